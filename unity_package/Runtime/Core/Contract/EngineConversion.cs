namespace StyleBridge.Contract
{
    /// <summary>
    /// What an engine must do around a model so that its tensors match the pixel contract, in the terms of
    /// Barracuda's texture calls (engine-free, so it is tested here):
    ///
    /// * texture -> tensor: <c>new Tensor(texture, FlipY, InputScale, InputBias, Channels)</c> computes
    ///   <c>scale * texel + bias</c> on texels in [0, 1], and its default vertical flip makes tensor row 0 the top
    ///   of the picture, which is the contract's row origin;
    /// * tensor -> texture: <c>tensor.ToRenderTexture(target, 0, 0, OutputScale, OutputBias)</c> writes
    ///   <c>scale * value + bias</c>, mapping the model's output range back to [0, 1] (and flips back);
    /// * colour: the contract's values are sRGB-encoded. A Gamma project samples sRGB bytes as they are, so nothing
    ///   changes. A Linear project samples sRGB textures as linear light, so the input must be re-encoded to sRGB
    ///   before the tensor is made (<see cref="EncodeInputAsSrgb"/>), and the output, sRGB-encoded values, must be
    ///   decoded to linear light before the engine shows it (<see cref="DecodeOutputToLinear"/>).
    /// Vectors are (R, G, B, A): alpha is passed through (scale 1, bias 0) and the model sees 3 channels.
    /// </summary>
    public sealed class EngineConversion
    {
        public const int Channels = 3;
        public const bool FlipY = true;

        public EngineConversion(PixelContract contract, bool linearColorSpace)
        {
            Contract = contract;
            LinearColorSpace = linearColorSpace;
            InputScale = Rgb(contract.InputScale, 1f);
            InputBias = Rgb(contract.InputBias, 0f);
            // unit = (output - bias) / scale = output * (1 / scale) + (-bias / scale)
            OutputScale = Rgb(1f / contract.OutputScale, 1f);
            OutputBias = Rgb(-contract.OutputBias / contract.OutputScale, 0f);
        }

        public PixelContract Contract { get; private set; }
        public bool LinearColorSpace { get; private set; }
        public float[] InputScale { get; private set; }
        public float[] InputBias { get; private set; }
        public float[] OutputScale { get; private set; }
        public float[] OutputBias { get; private set; }

        public bool EncodeInputAsSrgb
        {
            get { return LinearColorSpace; }
        }

        public bool DecodeOutputToLinear
        {
            get { return LinearColorSpace; }
        }

        /// <summary>The model's input value for a texel value in [0, 1] (one colour channel).</summary>
        public float ToModelInput(float texel)
        {
            return texel * InputScale[0] + InputBias[0];
        }

        /// <summary>The [0, 1] value for one channel of the model's output (not clamped, as the contract says).</summary>
        public float FromModelOutput(float value)
        {
            return value * OutputScale[0] + OutputBias[0];
        }

        static float[] Rgb(float value, float alpha)
        {
            return new[] { value, value, value, alpha };
        }
    }
}
