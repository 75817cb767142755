#if STYLEBRIDGE_NUNIT2
using OneTimeSetUpAttribute = NUnit.Framework.TestFixtureSetUpAttribute;
using OneTimeTearDownAttribute = NUnit.Framework.TestFixtureTearDownAttribute;
#endif
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Xml.Linq;
using NUnit.Framework;
using StyleBridge.Client;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>The C# client against a real passthrough server (frames come back as sent), with capture on.</summary>
    [TestFixture]
    [Category("Live")]
    public class PassthroughServerTests
    {
        ServerProcess server;
        string captures;

        [OneTimeSetUp]
        public void StartServer()
        {
            captures = Path.Combine(TestData.Folder, "captures-" + Guid.NewGuid().ToString("N"));
            server = ServerProcess.Start("--backend passthrough --capture-dir " + ServerProcess.Quote(captures));
        }

        [OneTimeTearDown]
        public void StopServer()
        {
            if (server != null)
                server.Dispose();
        }

        [Test]
        public void HandshakeGivesTheServersTerms()
        {
            using (var client = Live.Connect(server.Endpoint))
            {
                var ack = client.Server;
                Assert.AreEqual(Compat.VersionText(), ack.Protocol);
                Assert.AreEqual("passthrough", ack.Model.Backend);
                Assert.IsNull(ack.Model.Model, "a passthrough server has no model file");
                Assert.IsNull(ack.Model.Contract);
                Assert.AreEqual(1, ack.Model.Generation);
                Assert.AreEqual("passthrough (no model) on cpu", ack.Model.ToString());
                Assert.IsTrue(ack.Has("frame") && ack.Has("bottom_up") && ack.Has("linear"), string.Join(",", ack.Caps.ToArray()));
                Assert.AreEqual(2, client.GrantedInFlight);
                Assert.AreEqual(ConnectionState.Connected, client.State);
                Assert.AreEqual(1, client.Stats.Sessions);
                StringAssert.Contains("session " + ack.Session, client.Status);
            }
        }

        [Test]
        public void TwoHundredFramesComeBackBitIdenticalInBothRowOrders()
        {
            using (var client = Live.Connect(server.Endpoint))
            {
                foreach (var rows in new[] { RowOrder.BottomUp, RowOrder.TopDown })
                {
                    for (var i = 0; i < 200; i++)
                    {
                        var pixels = Live.Pattern(64, 36, PixelFormat.Rgba32, i);
                        var result = Live.Stylize(client, pixels, 64, 36, PixelFormat.Rgba32, rows, ColorEncoding.Srgb, i + 1);
                        Assert.AreEqual(pixels, Live.Bytes(result), "frame " + i + " " + rows);
                        Assert.AreEqual(rows, result.RowOrder);
                        Assert.Greater(result.RoundTripSeconds, 0);
                        client.Release(result);
                    }
                }
                var stats = client.Stats;
                Assert.AreEqual(400, stats.Results);
                Assert.Greater(stats.RoundTripP50Ms, 0);
            }
        }

        [Test]
        public void TheServerGrantsAtMostTwoFramesInFlightAndTheClientKeepsToIt()
        {
            foreach (var wanted in new[] { 1, 2, 4 })
            {
                using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { MaxInFlight = wanted }))
                {
                    Assert.AreEqual(Math.Min(wanted, 2), client.GrantedInFlight, "wanted " + wanted);
                    var results = 0;
                    for (var i = 1; results < 20 && i < 100000; i++)
                    {
                        client.Submit(new ArraySegment<byte>(Live.Pattern(32, 16, PixelFormat.Rgba32, i)), 32, 16,
                            PixelFormat.Rgba32, RowOrder.TopDown, ColorEncoding.Srgb, i);
                        Assert.LessOrEqual(client.FramesInFlight, client.GrantedInFlight);
                        FrameBuffer result;
                        client.WaitForResult(TimeSpan.FromMilliseconds(50));
                        while (client.TryTakeResult(out result))
                        {
                            client.Release(result);
                            results++;
                        }
                    }
                    Assert.GreaterOrEqual(results, 20, client.Stats.ToString());
                }
            }
        }

        [Test]
        public void Rgb24AndLinearFramesComeBackUnchanged()
        {
            using (var client = Live.Connect(server.Endpoint))
            {
                var pixels = Live.Pattern(30, 17, PixelFormat.Rgb24, 3);
                var result = Live.Stylize(client, pixels, 30, 17, PixelFormat.Rgb24, RowOrder.TopDown, ColorEncoding.Linear, 1);
                Assert.AreEqual(pixels, Live.Bytes(result));
                Assert.AreEqual(PixelFormat.Rgb24, result.Format);
                Assert.AreEqual(ColorEncoding.Linear, result.ColorEncoding);
            }
        }

        [Test]
        public void StreamingKeepsWithinTheCreditAndEveryResultIsItsFrame()
        {
            using (var client = Live.Connect(server.Endpoint))
            {
                var results = 0;
                var watch = Stopwatch.StartNew();
                for (var i = 1; results < 300 && watch.Elapsed.TotalSeconds < 60; i++)
                {
                    client.Submit(new ArraySegment<byte>(Live.Pattern(48, 32, PixelFormat.Rgba32, i)), 48, 32,
                        PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, i);
                    Assert.LessOrEqual(client.FramesInFlight, client.GrantedInFlight);
                    FrameBuffer result;
                    while (client.TryTakeResult(out result))
                    {
                        Assert.AreEqual(Live.Pattern(48, 32, PixelFormat.Rgba32, (int)result.FrameIndex), Live.Bytes(result));
                        client.Release(result);
                        results++;
                    }
                }
                Assert.GreaterOrEqual(results, 300, client.Stats.ToString());
                Assert.AreEqual(0, client.Stats.Errors);
            }
        }

        [Test]
        public void ControlAndPingAnswer()
        {
            using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { Name = "control-test" }))
            {
                Live.Stylize(client, Live.Pattern(8, 8, PixelFormat.Rgba32, 1), 8, 8, PixelFormat.Rgba32,
                    RowOrder.TopDown, ColorEncoding.Srgb, 1);
                var stats = Live.Wait(client.StatsAsync());
                Assert.AreEqual("stats", stats.Op);
                Assert.Greater(stats.Stats.Counts["frames"], 0);
                Assert.Greater(stats.Stats.Fps, 0, "a RESULT in the last 5 s is a rate above 0");
                Assert.Greater(client.Stats.Fps, 0, "so is the client's own, after one RESULT");
                Assert.Greater(stats.Stats.UptimeS, 0);
                Assert.IsNull(stats.Model.Model);
                CollectionAssert.Contains(stats.Clients, "control-test");
                Assert.IsNotNull(stats.Capture);
                Assert.AreEqual(0, Live.Wait(client.ListModelsAsync()).Models.Count);
                Assert.Greater(Live.Wait(client.PingAsync()), 0);
                var refused = Live.Failure(client.LoadModelAsync("nothing.onnx")) as BridgeServerException;
                Assert.IsNotNull(refused);
                Assert.AreEqual(ErrorCode.BadRequest, refused.Code);
            }
        }

        [Test]
        public void ANamelessClientIsNamedByItsConnection()
        {
            using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { Name = null }))
            {
                var clients = Live.Wait(client.StatsAsync()).Clients;
                Assert.IsTrue(clients.Exists(name => System.Text.RegularExpressions.Regex.IsMatch(name, "^[0-9a-f]+$")),
                    "a HELLO without `client`: named by its ZeroMQ identity in hex, among " + string.Join(", ", clients.ToArray()));
            }
        }

        /// <summary>The manifest line of <paramref name="file"/>, parsed (readers parse JSON, not the layout).</summary>
        XElement ManifestLine(string file)
        {
            foreach (var line in File.ReadAllText(Path.Combine(captures, "manifest.jsonl")).Split('\n'))
            {
                if (line.Length == 0)
                    continue;
                var entry = TestData.ReadJson(Encoding.UTF8.GetBytes(line));
                if (TestData.Member(entry, "file").Value == file)
                    return entry;
            }
            Assert.Fail("no manifest line for " + file);
            return null;
        }

        static readonly string[] ManifestKeys =
        {
            "client", "file", "frame_index", "height", "index", "recovered", "seq", "source", "time", "unix_time", "width",
        };

        static void AssertLineHasEveryKey(XElement line)
        {
            var keys = new List<string>();
            foreach (var member in line.Elements())
                keys.Add(TestData.KeyOf(member));
            keys.Sort(StringComparer.Ordinal);
            CollectionAssert.AreEqual(ManifestKeys, keys, "every manifest line has the same keys");
        }

        [Test]
        public void CaptureLandsAFileAndItsManifestLine()
        {
            using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { Name = "capture-test" }))
            {
                var pixels = Live.Pattern(16, 8, PixelFormat.Rgba32, 5);
                var ack = Live.Wait(client.CaptureAsync(new ArraySegment<byte>(pixels), 16, 8, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, "level1/camera0", 120));
                Assert.IsTrue(File.Exists(ack.Path), ack.Path);
                var png = File.ReadAllBytes(ack.Path);
                Assert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, new[] { png[0], png[1], png[2], png[3] });
                Assert.LessOrEqual(ack.Backlog, ack.Capacity);
                var line = ManifestLine(ack.File);
                AssertLineHasEveryKey(line);
                Assert.AreEqual(ack.Index.ToString(), TestData.Member(line, "index").Value);
                Assert.AreEqual("16", TestData.Member(line, "width").Value);
                Assert.AreEqual("8", TestData.Member(line, "height").Value);
                Assert.AreEqual("level1/camera0", TestData.Member(line, "source").Value);
                Assert.AreEqual("120", TestData.Member(line, "frame_index").Value);
                Assert.AreEqual("capture-test", TestData.Member(line, "client").Value);
                Assert.AreEqual("number", (string)TestData.Member(line, "seq").Attribute("type"));
                Assert.AreEqual("false", TestData.Member(line, "recovered").Value);

                var bare = Live.Wait(client.CaptureAsync(new ArraySegment<byte>(pixels), 16, 8, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb));
                line = ManifestLine(bare.File);
                AssertLineHasEveryKey(line);
                Assert.AreEqual("capture-test", TestData.Member(line, "source").Value, "no source: the client's name");
                Assert.AreEqual("null", (string)TestData.Member(line, "frame_index").Attribute("type"));

                var astral = new StringBuilder();
                for (var i = 0; i < RequestBodies.SourceChars; i++)
                    astral.Append("\ud83c\udfae"); // 200 code points in 400 UTF-16 units: as long as a source may be
                var wide = Live.Wait(client.CaptureAsync(new ArraySegment<byte>(pixels), 16, 8, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, astral.ToString()));
                Assert.AreEqual(astral.ToString(), TestData.Member(ManifestLine(wide.File), "source").Value);
            }
        }

        [Test]
        public void CompareOfIdenticalImagesScoresZero()
        {
            using (var client = Live.Connect(server.Endpoint))
            {
                var pixels = new ArraySegment<byte>(Live.Pattern(12, 12, PixelFormat.Rgba32, 9));
                var result = Live.Wait(client.CompareAsync(pixels, pixels, 12, 12, PixelFormat.Rgba32, RowOrder.BottomUp,
                    ColorEncoding.Srgb, true));
                Assert.AreEqual(0.0, result.MaxAbs);
                Assert.AreEqual(100.0, result.Psnr);
                Assert.IsNull(result.Visual);
                Assert.IsNull(result.Model, "passthrough compares the input itself");
                StringAssert.Contains("--compare-dir", result.VisualError);
                Assert.IsNull(client.Server.Model.ServedContract);
                var asked = Live.Wait(client.CompareAsync(pixels, pixels, 12, 12, PixelFormat.Rgba32, RowOrder.BottomUp,
                    ColorEncoding.Srgb, false, true));
                Assert.IsNull(asked.Diagnosis);
                StringAssert.Contains("no model", asked.DiagnosisError);
            }
        }

        static void AssertDisposesQuickly(BridgeClient client, int filesBefore, string when)
        {
            var watch = Stopwatch.StartNew();
            client.Dispose();
            var ms = watch.Elapsed.TotalMilliseconds;
            Assert.Less(ms, 100, "Dispose took " + ms + " ms " + when);
            Assert.IsFalse(client.IsRunning, "the I/O thread is gone " + when);
            Assert.AreEqual(ConnectionState.Disposed, client.State);
            if (filesBefore >= 0)
                Assert.AreEqual(filesBefore, Live.OpenFiles(), "every socket and context closed " + when);
        }

        [Test]
        public void DisposeIsQuickAndCompleteInEveryState()
        {
            var before = Live.OpenFiles();
            AssertDisposesQuickly(Live.Connect(server.Endpoint), before, "when connected");

            var busy = Live.Connect(server.Endpoint);
            var big = new ArraySegment<byte>(new byte[1920 * 1080 * 4]);
            for (var i = 0; i < 3; i++)
                busy.Submit(big, 1920, 1080, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, i);
            Thread.Sleep(5);
            AssertDisposesQuickly(busy, before, "in the middle of frames");

            var pending = busy.Submit(big, 1920, 1080, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, 9);
            Assert.IsFalse(pending, "a disposed client takes no frames");

            var gone = new BridgeClient(new BridgeClientOptions { Endpoint = "tcp://127.0.0.1:1" });
            Thread.Sleep(300);
            Assert.AreEqual(ConnectionState.Connecting, gone.State);
            var ping = gone.PingAsync();
            AssertDisposesQuickly(gone, before, "with no server");
            Assert.IsInstanceOf<ObjectDisposedException>(Live.Failure(ping, 1));
        }
    }
}
