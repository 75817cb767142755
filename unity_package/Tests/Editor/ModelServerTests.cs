#if STYLEBRIDGE_NUNIT2
using OneTimeSetUpAttribute = NUnit.Framework.TestFixtureSetUpAttribute;
using OneTimeTearDownAttribute = NUnit.Framework.TestFixtureTearDownAttribute;
#endif
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.Serialization;
using System.Threading;
using NUnit.Framework;
using StyleBridge.Client;
using StyleBridge.Metrics;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>The C# client against a real server running a real exported tiny model (ONNX Runtime).</summary>
    [TestFixture]
    [Category("Live")]
    public class ModelServerTests
    {
        [DataContract]
        sealed class FrameSize
        {
            [DataMember(Name = "width")] public int Width;
            [DataMember(Name = "height")] public int Height;
        }

        [DataContract]
        sealed class DiagnosisCase
        {
            [DataMember(Name = "width")] public int Width;
            [DataMember(Name = "height")] public int Height;
            [DataMember(Name = "explanation")] public string Explanation;
        }

        ServerProcess server;
        string compares;

        [OneTimeSetUp]
        public void StartServer()
        {
            compares = Path.Combine(TestData.Folder, "compares-" + Guid.NewGuid().ToString("N"));
            server = ServerProcess.Start("--model " + ServerProcess.Quote(TestData.PathOf("models", "tiny.onnx")) +
                                         " --no-watch --compare-dir " + ServerProcess.Quote(compares));
        }

        [OneTimeTearDown]
        public void StopServer()
        {
            if (server != null)
                server.Dispose();
        }

        [Test]
        public void ResultEqualsStylebridgeStylizeWithinOneLevel()
        {
            var size = Json.Deserialize<FrameSize>(TestData.ReadBytes("stylize", "size.json"));
            var upright = TestData.ReadBytes("stylize", "input.rgb");
            var expected = TestData.ReadBytes("stylize", "expected.rgb");
            using (var client = Live.Connect(server.Endpoint))
            {
                Assert.AreEqual("tiny.onnx", client.Server.Model.Model);
                Assert.AreEqual(4, client.Server.Model.Contract.SizeMultiple);
                var texture = Live.AsUnityTexture(upright, size.Width, size.Height);
                var result = Live.Stylize(client, texture, size.Width, size.Height, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, 1);
                var styled = Live.FromUnityTexture(Live.Bytes(result), size.Width, size.Height);
                var worst = 0;
                for (var i = 0; i < styled.Length; i++)
                    worst = Math.Max(worst, Math.Abs(styled[i] - expected[i]));
                Assert.LessOrEqual(worst, 1, "largest difference from `stylebridge stylize`, in 8-bit levels");
                for (var i = 3; i < texture.Length; i += 4)
                    Assert.AreEqual(255, result.Data[i], "alpha passes through");
            }
        }

        [Test]
        public void CompareMetricsEqualTheLocalOnes()
        {
            const int width = 40, height = 28;
            using (var client = Live.Connect(server.Endpoint))
            {
                var source = Live.Pattern(width, height, PixelFormat.Rgba32, 4);
                var ours = Live.Bytes(Live.Stylize(client, source, width, height, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, 1));
                var same = Live.Wait(client.CompareAsync(new ArraySegment<byte>(source), new ArraySegment<byte>(ours),
                    width, height, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb));
                Assert.AreEqual(0.0, same.MaxAbs, "an engine output equal to the RESULT scores 0");
                Assert.AreEqual(100.0, same.Psnr);

                var engine = (byte[])ours.Clone();
                var random = new Random(7);
                for (var i = 0; i < engine.Length; i++)
                    engine[i] = (byte)Math.Max(0, Math.Min(255, engine[i] + random.Next(-6, 7)));
                foreach (var encoding in new[] { ColorEncoding.Srgb, ColorEncoding.Linear })
                {
                    var remote = Live.Wait(client.CompareAsync(new ArraySegment<byte>(source),
                        new ArraySegment<byte>(engine), width, height, PixelFormat.Rgba32, RowOrder.BottomUp, encoding,
                        true));
                    var serverOutput = encoding == ColorEncoding.Srgb ? ours : Live.Bytes(Live.Stylize(client, source,
                        width, height, PixelFormat.Rgba32, RowOrder.BottomUp, encoding, 2));
                    var local = ImageMetrics.Compare(
                        Unit(serverOutput, width, height, encoding), Unit(engine, width, height, encoding), width, height);
                    Assert.AreEqual(remote.MaxAbs, local.MaxAbs, 1e-6, "max abs " + encoding);
                    Assert.AreEqual(remote.MeanAbs, local.MeanAbs, 1e-6, "mean abs " + encoding);
                    Assert.AreEqual(remote.Psnr, local.Psnr, 1e-3, "PSNR " + encoding);
                    Assert.AreEqual(remote.Ssim, local.Ssim, 1e-5, "SSIM " + encoding);
                    Assert.Greater(remote.MaxAbs, 0.0);
                    Assert.IsTrue(File.Exists(remote.Visual), "the side-by-side image " + remote.Visual);
                }
            }
        }

        [Test]
        public void CompareWithDiagnosisNamesTheFaultAndTheFix()
        {
            var known = Json.Deserialize<DiagnosisCase>(TestData.ReadBytes("diagnosis", "case.json"));
            int width = known.Width, height = known.Height;
            var source = Live.AsUnityTexture(TestData.ReadBytes("diagnosis", "input.rgb"), width, height);
            var engine = Live.AsUnityTexture(TestData.ReadBytes("diagnosis", "engine.rgb"), width, height);
            using (var client = Live.Connect(server.Endpoint))
            {
                Assert.IsTrue(client.Server.Has("diagnosis"), "a 1.1 server lists the capability");
                Assert.AreEqual("0_1", client.Server.Model.ServedContract.InputRange);
                Assert.AreEqual(1, client.Server.Model.ServedContract.SizeMultiple, "frames of any size are served");
                var result = Live.Wait(client.CompareAsync(new ArraySegment<byte>(source), new ArraySegment<byte>(engine),
                    width, height, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, false, true));
                var diagnosis = result.Diagnosis;
                Assert.IsNotNull(diagnosis, result.DiagnosisError);
                Assert.AreEqual("explained", diagnosis.Verdict, diagnosis.Summary);
                Assert.AreEqual(known.Explanation, diagnosis.Explanation);
                Assert.AreEqual(result.Psnr, diagnosis.AsIsPsnr, 0.01, "the as-is score is the COMPARE's PSNR");
                Assert.Greater(diagnosis.Psnr.Value, diagnosis.AsIsPsnr);
                Assert.Greater(diagnosis.MarginDb.Value, 0.0);
                StringAssert.Contains("swizzle", diagnosis.Fix);
                Assert.IsFalse(diagnosis.Sampled, "a 48x32 frame is searched at full size");
                Assert.AreEqual("tiny.onnx", diagnosis.EngineModel);

                var ours = Live.Bytes(Live.Stylize(client, source, width, height, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, 1));
                var same = Live.Wait(client.CompareAsync(new ArraySegment<byte>(source), new ArraySegment<byte>(ours),
                    width, height, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, false, true));
                Assert.IsTrue(same.Diagnosis.Matches, same.Diagnosis.Summary);
                Assert.IsNull(same.Diagnosis.Explanation);
                Assert.IsNull(same.Diagnosis.Fix);
                var plain = Live.Wait(client.CompareAsync(new ArraySegment<byte>(source), new ArraySegment<byte>(ours),
                    width, height, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb));
                Assert.IsNull(plain.Diagnosis, "not asked, not made");
            }
        }

        static float[] Unit(byte[] rgba, int width, int height, ColorEncoding encoding)
        {
            return ImageMetrics.ToUnitRgb(new ArraySegment<byte>(rgba), width, height, PixelFormat.Rgba32,
                RowOrder.BottomUp, encoding);
        }

        [Test]
        public void NewestFrameWinsUnderASlowModel()
        {
            const int width = 640, height = 480;
            using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { Timeout = 30 }))
            {
                var delivered = new List<FrameBuffer>();
                const int frames = 30;
                for (var i = 1; i <= frames; i++)
                {
                    client.Submit(new ArraySegment<byte>(Live.Pattern(width, height, PixelFormat.Rgba32, i)), width,
                        height, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, i);
                    Thread.Sleep(5);
                    FrameBuffer result;
                    if (client.TryTakeResult(out result))
                        delivered.Add(result);
                }
                var watch = Stopwatch.StartNew();
                while (watch.Elapsed.TotalSeconds < 60 &&
                       (delivered.Count == 0 || delivered[delivered.Count - 1].FrameIndex != frames))
                {
                    FrameBuffer result;
                    if (client.TryTakeResult(out result))
                        delivered.Add(result);
                    Thread.Sleep(2);
                }
                var stats = client.Stats;
                Assert.IsNotEmpty(delivered);
                Assert.AreEqual(frames, delivered[delivered.Count - 1].FrameIndex, "the newest frame always gets through; " + stats);
                for (var i = 1; i < delivered.Count; i++)
                    Assert.Greater(delivered[i].Seq, delivered[i - 1].Seq, "results only move forward");
                Assert.Less(delivered.Count, frames, "a slow model cannot answer every frame: " + stats);
                Assert.Greater(stats.Skipped, 0, "frames waiting for credit were replaced by newer ones: " + stats);
                Assert.AreEqual(frames, stats.Skipped + stats.FramesSent, "every frame was sent or replaced");
                Assert.AreEqual(0, stats.TimedOut + stats.Errors);
            }
        }

        [Test]
        public void ModelsAreListedAndSwitched()
        {
            using (var client = Live.Connect(server.Endpoint))
            {
                var models = Live.Wait(client.ListModelsAsync()).Models;
                var names = new List<string>();
                foreach (var model in models)
                    names.Add(model.Name + (model.Current ? "*" : ""));
                CollectionAssert.AreEqual(new[] { "tiny.onnx*", "tiny_b.onnx" }, names);

                var pixels = Live.Pattern(32, 32, PixelFormat.Rgba32, 1);
                var before = Live.Stylize(client, pixels, 32, 32, PixelFormat.Rgba32, RowOrder.TopDown, ColorEncoding.Srgb, 1);
                var loaded = Live.Wait(client.LoadModelAsync("tiny_b.onnx"));
                Assert.AreEqual("tiny_b.onnx", loaded.Model);
                Assert.AreEqual(before.Generation + 1, loaded.Generation);
                var after = Live.Stylize(client, pixels, 32, 32, PixelFormat.Rgba32, RowOrder.TopDown, ColorEncoding.Srgb, 2);
                Assert.AreEqual(loaded.Generation, after.Generation, "RESULT says which model made it");
                Assert.AreNotEqual(Live.Bytes(before), Live.Bytes(after), "another model, another picture");
                Assert.AreEqual("tiny.onnx", Live.Wait(client.LoadModelAsync("tiny.onnx")).Model);
            }
        }
    }
}
