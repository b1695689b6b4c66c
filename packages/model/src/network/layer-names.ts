/** Names of the layers other code looks up (inputs, embeddings, dropout). */
export const LAYER_NAMES = Object.freeze({
  /** Image input [28,28,1]. */
  imageInput: 'image',
  /** Audio input [39,13]. */
  audioInput: 'audio',
  /** Flattened output of the image branch. */
  imageEmbedding: 'image_embedding',
  /** Flattened output of the audio branch. */
  audioEmbedding: 'audio_embedding',
  /** Concatenation of the branch embeddings (both-branch models only). */
  fusion: 'fusion',
  /** The dense ReLU layer after fusion: the fused embedding. */
  fusedEmbedding: 'fused_embedding',
  dropout: 'dropout',
  /** Softmax class probabilities [10]: the model's (first) output. */
  output: 'probabilities',
  /** Robust fusion: the fused head's softmax (the paper's classifier). */
  fusedHead: 'fused_head',
  /**
   * Robust fusion: the image head's softmax, a classifier on the image embedding with its own loss
   * (after `imageHeadHidden` and `imageHeadDropout`: the image-only model's head).
   */
  imageHead: 'image_head',
  /** Robust fusion: the image head's dense ReLU layer (units as the fused embedding's). */
  imageHeadHidden: 'image_head_hidden',
  /** Robust fusion: the image head's dropout. */
  imageHeadDropout: 'image_head_dropout',
  /** Robust fusion: the audio head's softmax, a classifier on the audio embedding with its own loss. */
  audioHead: 'audio_head',
});
