#if STYLEBRIDGE_NUNIT2
using OneTimeSetUpAttribute = NUnit.Framework.TestFixtureSetUpAttribute;
using OneTimeTearDownAttribute = NUnit.Framework.TestFixtureTearDownAttribute;
#endif
using System;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;
using StyleBridge.Client;
using StyleBridge.Protocol;
using StyleBridge.Transport;

namespace StyleBridge.Tests
{
    /// <summary>A server started with CURVE keys from `stylebridge keys`: only clients holding an authorized key pair get in.</summary>
    [TestFixture]
    [Category("Live")]
    public class CurveServerTests
    {
        ServerProcess server;

        [OneTimeSetUp]
        public void StartServer()
        {
            server = ServerProcess.Start("--backend passthrough --curve-keys " + ServerProcess.Quote(TestData.PathOf("keys")));
        }

        [OneTimeTearDown]
        public void StopServer()
        {
            if (server != null)
                server.Dispose();
        }

        [Test]
        public void AClientWithTheKeysStreams()
        {
            var keys = CurveKeys.FromFolder(TestData.PathOf("keys"));
            using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { Curve = keys }))
            {
                var pixels = Live.Pattern(20, 10, PixelFormat.Rgba32, 2);
                var result = Live.Stylize(client, pixels, 20, 10, PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, 1);
                Assert.AreEqual(pixels, Live.Bytes(result));
            }
        }

        void AssertLockedOut(BridgeClientOptions options)
        {
            options.Endpoint = server.Endpoint;
            options.Timeout = 1.0;
            using (var client = new BridgeClient(options))
            {
                Assert.IsFalse(client.WaitForConnection(TimeSpan.FromSeconds(2.5)), client.Status);
                Assert.AreEqual(ConnectionState.Connecting, client.State);
                Assert.IsInstanceOf<BridgeTimeoutException>(Live.Failure(client.PingAsync(), 10));
                StringAssert.Contains("are the address and keys right?", client.Status);
            }
        }

        [Test]
        public void AKeylessClientGetsNothing()
        {
            AssertLockedOut(new BridgeClientOptions());
        }

        [Test]
        public void AClientWhoseKeyIsNotAuthorizedGetsNothing()
        {
            var authorized = CurveKeys.FromFolder(TestData.PathOf("keys"));
            var stranger = CurveKeys.FromFolder(TestData.PathOf("stranger-keys"));
            AssertLockedOut(new BridgeClientOptions
            {
                Curve = new CurveKeys(authorized.ServerPublicKey, stranger.ClientPublicKey, stranger.ClientSecretKey),
            });
        }

        [Test]
        public void UnreadableKeyFilesSayWhatToDo()
        {
            var error = Assert.Throws<ZmqException>(() => CurveKeys.FromFolder(TestData.PathOf("no-such-keys")));
            StringAssert.Contains("stylebridge keys", error.Message);
        }
    }

    /// <summary>The server is killed mid-stream and started again on the same port: the client carries on by itself.</summary>
    [TestFixture]
    [Category("Live")]
    public class ServerRestartTests
    {
        [Test]
        public void TheClientCarriesOnAfterAServerRestart()
        {
            var server = ServerProcess.Start("--backend passthrough");
            var port = server.Port;
            try
            {
                using (var client = Live.Connect(server.Endpoint, new BridgeClientOptions { Timeout = 1.0 }))
                {
                    Stream(client, 1, 20, 30);
                    server.Kill();
                    for (var i = 0; i < 20; i++) // frames while the server is gone never block the caller
                    {
                        var watch = Stopwatch.StartNew();
                        client.Submit(new ArraySegment<byte>(Live.Pattern(32, 16, PixelFormat.Rgba32, 1000 + i)), 32, 16,
                            PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, 1000 + i);
                        Assert.Less(watch.Elapsed.TotalMilliseconds, 100, "Submit never waits on the network (seconds, here)");
                        Thread.Sleep(10);
                    }
                    server.Dispose();
                    server = ServerProcess.Start("--backend passthrough", port);
                    Stream(client, 2000, 20, 90);
                    Assert.GreaterOrEqual(client.Stats.Sessions, 2, "the session was renewed");
                    Assert.AreEqual(ConnectionState.Connected, client.State);
                }
            }
            finally
            {
                server.Dispose();
            }
        }

        /// <summary>Submit frames until <paramref name="count"/> RESULTs came back, each checked against its frame.</summary>
        static void Stream(BridgeClient client, int first, int count, double seconds)
        {
            var watch = Stopwatch.StartNew();
            var results = 0;
            for (var i = first; results < count; i++)
            {
                Assert.Less(watch.Elapsed.TotalSeconds, seconds, "only " + results + " results; " + client.Status + "; " + client.Stats);
                client.Submit(new ArraySegment<byte>(Live.Pattern(32, 16, PixelFormat.Rgba32, i)), 32, 16,
                    PixelFormat.Rgba32, RowOrder.BottomUp, ColorEncoding.Srgb, i);
                Thread.Sleep(5);
                FrameBuffer result;
                while (client.TryTakeResult(out result))
                {
                    Assert.AreEqual(Live.Pattern(32, 16, PixelFormat.Rgba32, (int)result.FrameIndex), Live.Bytes(result));
                    if (result.FrameIndex >= first)
                        results++;
                    client.Release(result);
                }
            }
        }
    }
}
