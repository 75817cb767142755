using System;
using NUnit.Framework;
using StyleBridge.Client;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>The client without a server: its rate over an injected clock, and requests checked before sending.</summary>
    [TestFixture]
    public class ClientTests
    {
        static double Fps(RoundTripWindow window, double now)
        {
            var stats = new ClientStats();
            window.Fill(ref stats, now);
            return stats.Fps;
        }

        [Test]
        public void FpsCountsResultsOverTheLastFiveSeconds()
        {
            var single = new RoundTripWindow(0.0);
            single.Add(3.0, 0.5);
            Assert.AreEqual(1.0, Fps(single, 1.0), 1e-9, "one result in a client 1 s old: 1 per second, not 0");

            var slow = new RoundTripWindow(0.0); // a model slower than one frame per 2.5 s
            foreach (var t in new[] { 3.0, 6.0, 9.0 })
                slow.Add(3000.0, t);
            Assert.AreEqual(2 / 5.0, Fps(slow, 10.0), 1e-9, "two results in the last 5 s");
            Assert.AreEqual(0.0, Fps(slow, 20.0), "idle for longer than the window");

            var young = new RoundTripWindow(100.0);
            for (var i = 1; i <= 10; i++)
                young.Add(1.0, 100.0 + 0.1 * i);
            Assert.AreEqual(10.0, Fps(young, 101.0), 1e-9, "over the client's life while it is younger than 5 s");
            Assert.AreEqual(0.0, Fps(new RoundTripWindow(5.0), 5.0));
        }

        [Test]
        public void FpsStaysRightWhenMoreResultsCameThanAreKept()
        {
            var window = new RoundTripWindow(0.0, 64);
            for (var i = 1; i <= 300; i++)
                window.Add(1.0, 8.0 + i / 100.0); // 100 per second for 3 s: 300 results, 64 kept
            Assert.AreEqual(100.0, Fps(window, 11.0), 2.0);
        }

        static BridgeClient Unconnected()
        {
            return new BridgeClient(new BridgeClientOptions { Endpoint = "tcp://127.0.0.1:1" });
        }

        [Test]
        public void RequestsTheServerWouldRefuseFailBeforeTheyAreSent()
        {
            using (var client = Unconnected())
            {
                var pixels = new ArraySegment<byte>(new byte[4 * 2 * 4]);
                var lone = Assert.Throws<ArgumentException>(() => client.CaptureAsync(pixels, 4, 2, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, "cam\udc00"));
                StringAssert.Contains("lone UTF-16 surrogate", lone.Message);
                var tooLong = Assert.Throws<ArgumentException>(() => client.CaptureAsync(pixels, 4, 2, PixelFormat.Rgba32,
                    RowOrder.BottomUp, ColorEncoding.Srgb, new string('c', RequestBodies.SourceChars + 1)));
                StringAssert.Contains("`source` must be at most 200 characters", tooLong.Message);
                var wrongSize = Assert.Throws<ArgumentException>(() => client.CompareAsync(pixels,
                    new ArraySegment<byte>(new byte[31]), 4, 2, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb));
                StringAssert.Contains("BAD_SIZE", wrongSize.Message);
                StringAssert.Contains("needs `model`", Assert.Throws<ArgumentException>(() => client.LoadModelAsync(null)).Message);
                Assert.AreEqual(ConnectionState.Connecting, client.State, "nothing failed the client itself");
            }
        }

        [Test]
        public void AClientNameMustBeUnicodeText()
        {
            var options = new BridgeClientOptions { Endpoint = "tcp://127.0.0.1:1", Name = "player\ud800" };
            var refused = Assert.Throws<ArgumentException>(() => new BridgeClient(options));
            StringAssert.Contains("options.Name", refused.Message);
            StringAssert.Contains("lone UTF-16 surrogate", refused.Message);
        }
    }
}
