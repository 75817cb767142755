using System;
using StyleBridge.Contract;
using StyleBridge.Protocol;

namespace StyleBridge.Metrics
{
    /// <summary>The numbers of a COMPARE_RESULT, computed locally.</summary>
    public struct ImageComparison
    {
        public double MaxAbs;
        public double MeanAbs;
        public double Psnr; // dB, 100 for identical images
        public double Ssim;

        public override string ToString()
        {
            return string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "max abs {0:F4}, mean abs {1:F5}, PSNR {2:F2} dB, SSIM {3:F5}", MaxAbs, MeanAbs, Psnr, Ssim);
        }
    }

    /// <summary>
    /// max abs, mean abs, PSNR and SSIM exactly as PROTOCOL.md rule 8 defines them (bridge/compare.py computes the
    /// same): on RGB only, after both images are converted to upright sRGB values in [0, 1]; PSNR with peak 1.0,
    /// capped at 100 dB and rounded to 4 decimals; SSIM with an 11x11 Gaussian window (sigma 1.5, K1 0.01,
    /// K2 0.03) over valid positions, averaged over R, G and B, the window shrinking for images under 11 pixels.
    /// So the engine can score Barracuda against the export's reference pair without the server.
    /// </summary>
    public static class ImageMetrics
    {
        public const double PsnrCap = 100.0;
        const int Window = 11;
        const double Sigma = 1.5;
        const double K1 = 0.01;
        const double K2 = 0.03;

        /// <summary>Pixels in a wire layout -> upright sRGB RGB float32 values in [0, 1], (H, W, 3) row-major.</summary>
        public static float[] ToUnitRgb(ArraySegment<byte> pixels, int width, int height, PixelFormat format,
            RowOrder rows, ColorEncoding encoding)
        {
            var channels = WireNames.BytesPerPixel(format);
            if (channels == 0 || pixels.Count != width * height * channels)
                throw new ArgumentException("a " + width + "x" + height + " " + WireNames.Name(format) +
                                            " image needs " + width * height * channels + " bytes, got " + pixels.Count);
            var unit = new float[width * height * 3];
            for (var y = 0; y < height; y++)
            {
                var sourceRow = rows == RowOrder.BottomUp ? height - 1 - y : y;
                for (var x = 0; x < width; x++)
                {
                    var s = pixels.Offset + (sourceRow * width + x) * channels;
                    var d = (y * width + x) * 3;
                    for (var c = 0; c < 3; c++)
                    {
                        var value = pixels.Array[s + c] / 255f;
                        unit[d + c] = encoding == ColorEncoding.Linear ? ColorCurves.LinearToSrgb(value) : value;
                    }
                }
            }
            return unit;
        }

        /// <summary>Compare two (H, W, 3) unit images.</summary>
        public static ImageComparison Compare(float[] a, float[] b, int width, int height)
        {
            if (a.Length != b.Length || a.Length != width * height * 3)
                throw new ArgumentException("cannot compare images of " + a.Length + " and " + b.Length +
                                            " values as " + width + "x" + height + " RGB");
            double max = 0, sum = 0, squares = 0;
            for (var i = 0; i < a.Length; i++)
            {
                var d = Math.Abs((double)a[i] - b[i]);
                max = Math.Max(max, d);
                sum += d;
                squares += d * d;
            }
            var mse = squares / a.Length;
            var psnr = mse == 0 ? PsnrCap : Math.Min(PsnrCap, 10 * Math.Log10(1.0 / mse));
            return new ImageComparison
            {
                MaxAbs = max,
                MeanAbs = sum / a.Length,
                Psnr = Math.Round(psnr, 4, MidpointRounding.ToEven),
                Ssim = Ssim(a, b, width, height),
            };
        }

        /// <summary>Mean SSIM of two (H, W, 3) unit images.</summary>
        public static double Ssim(float[] a, float[] b, int width, int height)
        {
            var size = Math.Min(Window, Math.Min(width, height));
            size -= 1 - size % 2; // odd
            var g = Gaussian(size, Sigma * size / Window);
            var outW = width - size + 1;
            var outH = height - size + 1;
            double total = 0;
            var c1 = K1 * K1;
            var c2 = K2 * K2;
            for (var c = 0; c < 3; c++)
            {
                var muX = Blur(a, a, c, width, height, g, false);
                var muY = Blur(b, b, c, width, height, g, false);
                var xx = Blur(a, a, c, width, height, g, true);
                var yy = Blur(b, b, c, width, height, g, true);
                var xy = Blur(a, b, c, width, height, g, true);
                for (var i = 0; i < muX.Length; i++)
                {
                    var mx = muX[i];
                    var my = muY[i];
                    var varX = xx[i] - mx * mx;
                    var varY = yy[i] - my * my;
                    var cov = xy[i] - mx * my;
                    total += (2 * mx * my + c1) * (2 * cov + c2) / ((mx * mx + my * my + c1) * (varX + varY + c2));
                }
            }
            return total / (3.0 * outW * outH);
        }

        static double[] Gaussian(int size, double sigma)
        {
            var g = new double[size];
            double sum = 0;
            for (var i = 0; i < size; i++)
            {
                var x = i - (size - 1) / 2.0;
                g[i] = Math.Exp(-(x * x) / (2 * sigma * sigma));
                sum += g[i];
            }
            for (var i = 0; i < size; i++)
                g[i] = (float)(g[i] / sum); // the reference builds the window in float64 and runs it in float32
            return g;
        }

        /// <summary>Separable valid-position Gaussian blur of channel c of x (or of x*y when product).</summary>
        static double[] Blur(float[] x, float[] y, int c, int width, int height, double[] g, bool product)
        {
            var size = g.Length;
            var outW = width - size + 1;
            var outH = height - size + 1;
            var rows = new double[outH * width];
            for (var oy = 0; oy < outH; oy++)
            {
                for (var ix = 0; ix < width; ix++)
                {
                    double acc = 0;
                    for (var k = 0; k < size; k++)
                    {
                        var i = ((oy + k) * width + ix) * 3 + c;
                        acc += g[k] * (product ? (double)x[i] * y[i] : x[i]);
                    }
                    rows[oy * width + ix] = acc;
                }
            }
            var result = new double[outH * outW];
            for (var oy = 0; oy < outH; oy++)
            {
                for (var ox = 0; ox < outW; ox++)
                {
                    double acc = 0;
                    for (var k = 0; k < size; k++)
                        acc += g[k] * rows[oy * width + ox + k];
                    result[oy * outW + ox] = acc;
                }
            }
            return result;
        }
    }
}
