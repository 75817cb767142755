using System;

namespace StyleBridge.Contract
{
    /// <summary>The IEC 61966-2-1 sRGB transfer curves on [0, 1] values, as pipeline/core/contract.py applies them.</summary>
    public static class ColorCurves
    {
        public static float SrgbToLinear(float value)
        {
            return value <= 0.04045f ? value / 12.92f : (float)Math.Pow((value + 0.055f) / 1.055f, 2.4);
        }

        public static float LinearToSrgb(float value)
        {
            value = Math.Min(1f, Math.Max(0f, value));
            return value <= 0.0031308f ? value * 12.92f : 1.055f * (float)Math.Pow(value, 1 / 2.4) - 0.055f;
        }
    }
}
