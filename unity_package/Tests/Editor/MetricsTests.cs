using System;
using System.IO;
using System.Runtime.Serialization;
using NUnit.Framework;
using StyleBridge.Metrics;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>max abs, mean abs, PSNR and SSIM as PROTOCOL.md rule 8 defines them, equal to the Python numbers.</summary>
    [TestFixture]
    public class MetricsTests
    {
        [DataContract]
        sealed class MetricsCase
        {
            [DataMember(Name = "width")] public int Width;
            [DataMember(Name = "height")] public int Height;
            [DataMember(Name = "pixel_format")] public string PixelFormat;
            [DataMember(Name = "row_order")] public string RowOrder;
            [DataMember(Name = "color_encoding")] public string ColorEncoding;
            [DataMember(Name = "max_abs")] public double MaxAbs;
            [DataMember(Name = "mean_abs")] public double MeanAbs;
            [DataMember(Name = "psnr")] public double Psnr;
            [DataMember(Name = "ssim")] public double Ssim;
        }

        [Test]
        public void IdenticalImagesScorePerfectly()
        {
            var image = ImageMetrics.ToUnitRgb(new ArraySegment<byte>(Live.Pattern(16, 9, PixelFormat.Rgba32, 1)), 16,
                9, PixelFormat.Rgba32, RowOrder.TopDown, ColorEncoding.Srgb);
            var same = ImageMetrics.Compare(image, image, 16, 9);
            Assert.AreEqual(0.0, same.MaxAbs);
            Assert.AreEqual(100.0, same.Psnr);
            Assert.AreEqual(1.0, same.Ssim, 1e-9);
        }

        [Test]
        public void RowOrderAndAlphaDoNotChangeTheValues()
        {
            var rgba = new byte[] { 10, 20, 30, 0, 40, 50, 60, 99 }; // 1x2: bottom row first
            var upright = ImageMetrics.ToUnitRgb(new ArraySegment<byte>(rgba), 1, 2, PixelFormat.Rgba32,
                RowOrder.BottomUp, ColorEncoding.Srgb);
            Assert.AreEqual(new[] { 40 / 255f, 50 / 255f, 60 / 255f, 10 / 255f, 20 / 255f, 30 / 255f }, upright);
            Assert.Throws<ArgumentException>(() => ImageMetrics.ToUnitRgb(new ArraySegment<byte>(rgba), 2, 2,
                PixelFormat.Rgba32, RowOrder.TopDown, ColorEncoding.Srgb));
        }

        /// <summary>Image pairs and their metrics from bridge/compare.py (sizes under the window included).</summary>
        [Test]
        public void EqualThePythonNumbers()
        {
            var cases = Directory.GetDirectories(TestData.PathOf("metrics"));
            Assert.GreaterOrEqual(cases.Length, 4);
            foreach (var folder in cases)
            {
                var name = Path.GetFileName(folder);
                var expected = Json.Deserialize<MetricsCase>(File.ReadAllBytes(Path.Combine(folder, "expected.json")));
                var format = (PixelFormat)Enum.Parse(typeof(PixelFormat), expected.PixelFormat, true);
                var rows = expected.RowOrder == "BOTTOM_UP" ? RowOrder.BottomUp : RowOrder.TopDown;
                var encoding = expected.ColorEncoding == "LINEAR" ? ColorEncoding.Linear : ColorEncoding.Srgb;
                var a = ImageMetrics.ToUnitRgb(new ArraySegment<byte>(File.ReadAllBytes(Path.Combine(folder, "a.bin"))),
                    expected.Width, expected.Height, format, rows, encoding);
                var b = ImageMetrics.ToUnitRgb(new ArraySegment<byte>(File.ReadAllBytes(Path.Combine(folder, "b.bin"))),
                    expected.Width, expected.Height, format, rows, encoding);
                var ours = ImageMetrics.Compare(a, b, expected.Width, expected.Height);
                Assert.AreEqual(expected.MaxAbs, ours.MaxAbs, 1e-6, name + " max abs");
                Assert.AreEqual(expected.MeanAbs, ours.MeanAbs, 1e-6, name + " mean abs");
                Assert.AreEqual(expected.Psnr, ours.Psnr, 1e-3, name + " PSNR");
                Assert.AreEqual(expected.Ssim, ours.Ssim, 1e-5, name + " SSIM");
            }
        }
    }
}
