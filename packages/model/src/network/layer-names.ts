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
  /** Softmax class probabilities [10]. */
  output: 'probabilities',
});
