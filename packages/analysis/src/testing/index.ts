export { gaussianBlobs } from './gaussian-blobs';
