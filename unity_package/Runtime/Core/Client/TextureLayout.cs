using StyleBridge.Protocol;

namespace StyleBridge.Client
{
    /// <summary>
    /// How the bytes of a Unity texture (GetRawTextureData, AsyncGPUReadback) are laid out, so frames go out with the
    /// right header: rows start at the bottom of the picture, and an sRGB texture's bytes are sRGB-encoded, while a
    /// linear (non-sRGB) texture holds linear light in a Linear project (and gamma-space values in a Gamma one).
    /// </summary>
    public static class TextureLayout
    {
        public const RowOrder Rows = RowOrder.BottomUp;

        public static ColorEncoding EncodingOf(bool linearColorSpace, bool textureIsSrgb)
        {
            return linearColorSpace && !textureIsSrgb ? ColorEncoding.Linear : ColorEncoding.Srgb;
        }
    }
}
