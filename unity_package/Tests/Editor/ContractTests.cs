using System;
using System.Collections.Generic;
using System.IO;
using NUnit.Framework;
using StyleBridge.Contract;
using StyleBridge.Metrics;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>The pixel contract, read as the exporter writes it, and what it asks of the engine.</summary>
    [TestFixture]
    public class ContractTests
    {
        static Dictionary<string, string> Metadata(string input, string output, string multiple = "4")
        {
            var p = PixelContract.MetadataPrefix;
            return new Dictionary<string, string>
            {
                { p + "contract_version", "1" }, { p + "input_range", input }, { p + "output_range", output },
                { p + "size_multiple", multiple },
            };
        }

        [Test]
        public void EveryRangeMapsToItsScaleAndBias()
        {
            var tutorial = PixelContract.FromMetadata(Metadata("0_255", "0_255"));
            Assert.AreEqual(255f, tutorial.InputScale);
            var conversion = new EngineConversion(tutorial, false);
            Assert.AreEqual(new[] { 255f, 255f, 255f, 1f }, conversion.InputScale);
            Assert.AreEqual(1 / 255f, conversion.OutputScale[0], 1e-9);
            Assert.AreEqual(0.5f, conversion.FromModelOutput(127.5f), 1e-6);

            var fewshot = new EngineConversion(PixelContract.FromMetadata(Metadata("-1_1", "-1_1", "8")), true);
            Assert.AreEqual(-1f, fewshot.ToModelInput(0f));
            Assert.AreEqual(1f, fewshot.ToModelInput(1f));
            Assert.AreEqual(new[] { 0.5f, 0.5f, 0.5f, 0f }, fewshot.OutputBias);
            Assert.AreEqual(0f, fewshot.FromModelOutput(-1f));
            Assert.IsTrue(fewshot.EncodeInputAsSrgb && fewshot.DecodeOutputToLinear, "a Linear project converts");
            Assert.AreEqual(3, EngineConversion.Channels);

            var unit = new EngineConversion(PixelContract.FromMetadata(Metadata("0_1", "0_1")), false);
            Assert.AreEqual(0.25f, unit.ToModelInput(0.25f));
            Assert.AreEqual(0.25f, unit.FromModelOutput(0.25f));
            Assert.IsFalse(unit.EncodeInputAsSrgb || unit.DecodeOutputToLinear, "a Gamma project samples sRGB as it is");
        }

        [Test]
        public void BadOrSelfContradictingMetadataIsRefused()
        {
            var missing = Metadata("0_1", "0_1");
            missing.Remove(PixelContract.MetadataPrefix + "size_multiple");
            StringAssert.Contains("stylebridge.size_multiple", Assert.Throws<ContractException>(() => PixelContract.FromMetadata(missing)).Message);
            var contradicting = Metadata("0_255", "0_255");
            contradicting[PixelContract.MetadataPrefix + "input_scale"] = "1.0";
            StringAssert.Contains("disagrees with itself", Assert.Throws<ContractException>(() => PixelContract.FromMetadata(contradicting)).Message);
            Assert.Throws<ContractException>(() => PixelContract.FromMetadata(Metadata("0_2", "0_1")));
            var future = Metadata("0_1", "0_1");
            future[PixelContract.MetadataPrefix + "contract_version"] = "2";
            StringAssert.Contains("update the package", Assert.Throws<ContractException>(() => PixelContract.FromMetadata(future)).Message);
            var upsideDown = Metadata("0_1", "0_1");
            upsideDown[PixelContract.MetadataPrefix + "row_origin"] = "bottom";
            Assert.Throws<ContractException>(() => PixelContract.FromMetadata(upsideDown));
        }

        [Test]
        public void MetadataAndSidecarMustAgree()
        {
            var sidecar = new ModelSidecar { Contract = new ContractInfo { InputRange = "0_1", OutputRange = "0_1", SizeMultiple = 4, Version = 1 } };
            Assert.AreEqual(4, PixelContract.Resolve(Metadata("0_1", "0_1"), sidecar, "m.onnx").SizeMultiple);
            Assert.AreEqual("0_1", PixelContract.Resolve(new Dictionary<string, string>(), sidecar, "m.onnx").InputRange,
                "the sidecar is the fallback");
            Assert.AreEqual("0_255", PixelContract.Resolve(Metadata("0_255", "0_255"), null, "m.onnx").InputRange);
            var clash = Assert.Throws<ContractException>(() => PixelContract.Resolve(Metadata("0_255", "0_255"), sidecar, "m.onnx"));
            StringAssert.Contains("re-export", clash.Message);
            StringAssert.Contains("no pixel contract", Assert.Throws<ContractException>(() => PixelContract.Resolve(null, null, "m.onnx")).Message);
        }

        [Test]
        public void FramesKeepTheirAspectRatioAndArePaddedToTheSizeMultiple()
        {
            var geometry = FrameGeometry.Fit(1920, 1080, 270, 4);
            Assert.AreEqual(480, geometry.ContentWidth);
            Assert.AreEqual(270, geometry.ContentHeight);
            Assert.AreEqual(480, geometry.PaddedWidth);
            Assert.AreEqual(272, geometry.PaddedHeight);
            Assert.AreEqual(272 / 270f, geometry.PadScaleY, 1e-6);
            Assert.AreEqual(270 / 272f, geometry.CropScaleY, 1e-6);
            Assert.IsTrue(geometry.NeedsPadding);
            var native = FrameGeometry.Fit(1001, 333, 0, 8);
            Assert.AreEqual(1001, native.ContentWidth);
            Assert.AreEqual(1008, native.PaddedWidth);
            Assert.AreEqual(336, native.PaddedHeight);
            Assert.IsFalse(FrameGeometry.Fit(64, 32, 0, 4).NeedsPadding);
            Assert.Throws<ArgumentException>(() => FrameGeometry.Fit(0, 10, 0, 4));
        }

        [Test]
        public void TextureBytesAreBottomUpAndEncodedAsTheirTexture()
        {
            Assert.AreEqual(RowOrder.BottomUp, Client.TextureLayout.Rows);
            Assert.AreEqual(ColorEncoding.Srgb, Client.TextureLayout.EncodingOf(true, true), "sRGB texture, Linear project");
            Assert.AreEqual(ColorEncoding.Linear, Client.TextureLayout.EncodingOf(true, false), "linear texture, Linear project");
            Assert.AreEqual(ColorEncoding.Srgb, Client.TextureLayout.EncodingOf(false, false), "Gamma project");
        }

        [Test]
        public void SrgbCurvesRoundTrip()
        {
            for (var i = 0; i <= 255; i++)
                Assert.AreEqual(i / 255f, ColorCurves.LinearToSrgb(ColorCurves.SrgbToLinear(i / 255f)), 2e-6);
            Assert.AreEqual(0.21404114f, ColorCurves.SrgbToLinear(0.5f), 1e-6);
        }

        /// <summary>
        /// Every contract the exporter writes (TransformerNet and the few-shot generator, io unit and raw), read from
        /// the files `stylebridge export` wrote: the contract resolves from the ONNX metadata and the sidecar alike, the
        /// input conversion turns the reference image into the reference input tensor, and the output conversion turns
        /// the reference output tensor into what the Python pipeline makes of it.
        /// </summary>
        [Test]
        public void EveryExportedContractReproducesItsReferencePair()
        {
            var cases = Directory.GetDirectories(TestData.PathOf("contracts"));
            Assert.GreaterOrEqual(cases.Length, 4);
            var ranges = new HashSet<string>();
            foreach (var folder in cases)
            {
                var name = Path.GetFileName(folder);
                var onnx = Directory.GetFiles(folder, "*.onnx")[0];
                var sidecar = ModelSidecar.Parse(File.ReadAllBytes(Path.ChangeExtension(onnx, ".json")), name);
                var metadata = Json.Deserialize<Dictionary<string, string>>(File.ReadAllBytes(Path.Combine(folder, "onnx-metadata.json")));
                var contract = PixelContract.Resolve(metadata, sidecar, name);
                Assert.AreEqual(PixelContract.FromInfo(sidecar.Contract), contract, name);
                ranges.Add(contract.InputRange + "->" + contract.OutputRange);
                var conversion = new EngineConversion(contract, false);

                var shape = sidecar.Reference.Shape;
                int height = shape[2], width = shape[3];
                var pixels = File.ReadAllBytes(Path.Combine(folder, "reference.rgb"));
                var input = TestData.ReadFloats(Path.Combine(folder, sidecar.Reference.Input));
                var output = TestData.ReadFloats(Path.Combine(folder, sidecar.Reference.Output));
                var expected = File.ReadAllBytes(Path.Combine(folder, "expected_output.rgb"));
                var ours = new byte[expected.Length];
                for (var c = 0; c < 3; c++)
                {
                    for (var i = 0; i < width * height; i++)
                    {
                        var nchw = c * width * height + i;
                        var modelInput = conversion.ToModelInput(pixels[i * 3 + c] / 255f);
                        Assert.AreEqual(input[nchw], modelInput, 1e-6 * Math.Max(1, Math.Abs(modelInput)), name + " input");
                        var unit = Math.Min(1f, Math.Max(0f, conversion.FromModelOutput(output[nchw])));
                        ours[i * 3 + c] = (byte)Math.Round(unit * 255f, MidpointRounding.ToEven);
                    }
                }
                var metrics = ImageMetrics.Compare(ToUnit(ours, width, height), ToUnit(expected, width, height), width, height);
                Assert.LessOrEqual(metrics.MaxAbs, 1 / 255.0 + 1e-6, name + ": " + metrics);
            }
            Assert.GreaterOrEqual(ranges.Count, 3, "unit, 0-255 and -1..1 contracts: " + string.Join(" ", new List<string>(ranges).ToArray()));
        }

        static float[] ToUnit(byte[] rgb, int width, int height)
        {
            return ImageMetrics.ToUnitRgb(new ArraySegment<byte>(rgb), width, height, PixelFormat.Rgb24, RowOrder.TopDown, ColorEncoding.Srgb);
        }
    }
}
