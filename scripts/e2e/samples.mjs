// The shared sample models the integration suite's workspace holds (copied, never used in place).
export const INTEGRATION_SAMPLES = [
  'onnx/conv1d_audio.onnx',
  'onnx/squeezenet1_0.onnx',
  'onnx/onnx_manifest.json',
  'keras/tfjs_k2_tensorspace_vgg16.json',
  'keras/k2_advml_autoencoder_seq.json',
  'keras/k2_takuya_dec_nested_seq_custom_layer.json',
  // Hugging Face configs keep their folder (every one is named config.json).
  'llm/mixtral-8x7b-v0.1/config.json',
  'llm/gpt2/config.json',
];
