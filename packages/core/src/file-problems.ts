/**
 * What the error codes of reading or writing a file mean, in words, where the user can fix what they
 * name: the one table behind {@link readProblem} (input-file.ts) and {@link diskProblem}
 * (write-atomic.ts), which add the words of the codes whose meaning depends on the operation
 * (ENOENT, ENOTDIR, EISDIR, EEXIST).
 */
export const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EFBIG: 'the file is larger than this system allows',
  EIO: 'an input/output error of the device',
  ENAMETOOLONG: 'the name or path is too long',
  ELOOP: 'too many symbolic links (a loop?) in its path',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENOMEM: 'not enough memory',
  ERR_FS_FILE_TOO_LARGE: 'the file is larger than this process can read at once',
};
