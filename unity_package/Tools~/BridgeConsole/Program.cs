using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.Serialization;
using System.Text;
using StyleBridge.Client;
using StyleBridge.Protocol;

namespace StyleBridge.Tools
{
    /// <summary>
    /// A console client over the engine-free core, for what Python drives without Unity: `bench` (round trips and
    /// throughput, for `stylebridge bench bridge --client csharp`) and `stream` (frames from a file through the
    /// bridge, for the demo). Prints one JSON object on stdout; exits 1 with a message on stderr when it fails.
    /// </summary>
    public static class Program
    {
        [DataContract]
        sealed class BenchReport
        {
            [DataMember(Name = "round_trips")] public List<double> RoundTrips = new List<double>();
            [DataMember(Name = "pipelined_frames")] public int PipelinedFrames;
            [DataMember(Name = "pipelined_seconds")] public double PipelinedSeconds;
            [DataMember(Name = "client")] public string Client;
        }

        [DataContract]
        sealed class StreamReport
        {
            [DataMember(Name = "frames")] public int Frames;
            [DataMember(Name = "round_trip_p50_ms")] public double RoundTripP50Ms;
            [DataMember(Name = "fps")] public double Fps;
            [DataMember(Name = "server")] public string Server;
            [DataMember(Name = "client")] public string Client;
        }

        public static int Main(string[] args)
        {
            try
            {
                var options = Parse(args);
                string command;
                if (!options.TryGetValue("command", out command))
                    throw new ArgumentException("usage: stylebridge-bridge.exe bench|stream --endpoint E ...");
                var output = command == "bench" ? Bench(options) : command == "stream" ? Stream(options) : null;
                if (output == null)
                    throw new ArgumentException("unknown command '" + command + "'; use bench or stream");
                Console.Out.WriteLine(Encoding.UTF8.GetString(output));
                return 0;
            }
            catch (Exception exc)
            {
                Console.Error.WriteLine(exc is ArgumentException || exc is BridgeException ? exc.Message : exc.ToString());
                return 1;
            }
        }

        static Dictionary<string, string> Parse(string[] args)
        {
            var options = new Dictionary<string, string>();
            if (args.Length > 0)
                options["command"] = args[0];
            for (var i = 1; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                    throw new ArgumentException("expected --name value pairs, got '" + args[i] + "'");
                options[args[i].Substring(2)] = args[i + 1];
            }
            return options;
        }

        static string Get(Dictionary<string, string> options, string name, string fallback = null)
        {
            string value;
            if (options.TryGetValue(name, out value))
                return value;
            if (fallback == null)
                throw new ArgumentException("--" + name + " is required");
            return fallback;
        }

        static int Int(Dictionary<string, string> options, string name, string fallback = null)
        {
            return int.Parse(Get(options, name, fallback), System.Globalization.CultureInfo.InvariantCulture);
        }

        static BridgeClient Connect(Dictionary<string, string> options)
        {
            var client = new BridgeClient(new BridgeClientOptions
            {
                Endpoint = Get(options, "endpoint"),
                Name = "csharp-" + Get(options, "command"),
                MaxInFlight = Int(options, "in-flight", "2"),
                Timeout = 60,
            });
            if (!client.WaitForConnection(TimeSpan.FromSeconds(30)))
            {
                var status = client.Status;
                client.Dispose();
                throw new BridgeException("no session: " + status);
            }
            return client;
        }

        /// <summary>
        /// A pooled frame holding <paramref name="pixels"/>, as a game fills one from its readback. Filled before the
        /// clock starts: like the Python client's benchmark, which sends an array it already has, the round trip
        /// measured is the client's (Submit to RESULT), not the game's copy.
        /// </summary>
        static FrameBuffer Fill(BridgeClient client, byte[] pixels, int width, int height, RowOrder rows, long index)
        {
            var frame = client.Pool.Copy(new ArraySegment<byte>(pixels), width, height, PixelFormat.Rgba32, rows,
                ColorEncoding.Srgb);
            frame.FrameIndex = index;
            return frame;
        }

        /// <summary>Submit one frame and wait for its RESULT.</summary>
        static FrameBuffer RoundTrip(BridgeClient client, FrameBuffer frame)
        {
            var index = frame.FrameIndex;
            client.Submit(frame);
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < 60)
            {
                FrameBuffer result;
                client.WaitForResult(TimeSpan.FromSeconds(1));
                if (client.TryTakeResult(out result))
                {
                    if (result.FrameIndex == index)
                        return result;
                    client.Release(result);
                }
            }
            throw new BridgeTimeoutException("no RESULT for frame " + index + ": " + client.Status);
        }

        static byte[] Bench(Dictionary<string, string> options)
        {
            int width = Int(options, "width"), height = Int(options, "height"), frames = Int(options, "frames");
            var pixels = new byte[width * height * 4];
            new Random(0).NextBytes(pixels);
            var report = new BenchReport();
            using (var client = Connect(options))
            {
                long index = 0;
                for (var i = 0; i < Int(options, "warmup", "5"); i++)
                    client.Release(RoundTrip(client, Fill(client, pixels, width, height, RowOrder.TopDown, ++index)));
                for (var i = 0; i < frames; i++)
                {
                    var frame = Fill(client, pixels, width, height, RowOrder.TopDown, ++index);
                    var watch = Stopwatch.StartNew();
                    var result = RoundTrip(client, frame);
                    report.RoundTrips.Add(watch.Elapsed.TotalSeconds);
                    client.Release(result);
                }
                // Throughput as the Python client's benchmark streams: a frame every turn (newest frame wins while
                // credit is used up), then wait for a reply. Pooled frames are sent as they are (the server echoes
                // any bytes); the game's copy into them is not the client's cost.
                var stream = Stopwatch.StartNew();
                var received = 0;
                while (received < frames)
                {
                    var frame = client.Pool.Rent(width, height, PixelFormat.Rgba32);
                    frame.FrameIndex = ++index;
                    client.Submit(frame);
                    FrameBuffer result;
                    client.WaitForResult(TimeSpan.FromSeconds(10));
                    while (client.TryTakeResult(out result))
                    {
                        received++;
                        client.Release(result);
                    }
                }
                report.PipelinedSeconds = stream.Elapsed.TotalSeconds;
                report.PipelinedFrames = received;
                report.Client = client.Stats.ToString();
            }
            return Json.Serialize(report);
        }

        static byte[] Stream(Dictionary<string, string> options)
        {
            int width = Int(options, "width"), height = Int(options, "height");
            var rows = Get(options, "rows", "bottom_up") == "bottom_up" ? RowOrder.BottomUp : RowOrder.TopDown;
            var input = File.ReadAllBytes(Get(options, "input"));
            var size = width * height * 4;
            if (input.Length == 0 || input.Length % size != 0)
                throw new ArgumentException(Get(options, "input") + " does not hold whole " + width + "x" + height +
                                            " RGBA32 frames");
            var report = new StreamReport();
            using (var client = Connect(options))
            using (var output = File.Create(Get(options, "output")))
            {
                for (var i = 0; i < input.Length / size; i++)
                {
                    var frame = client.Pool.Copy(new ArraySegment<byte>(input, i * size, size), width, height,
                        PixelFormat.Rgba32, rows, ColorEncoding.Srgb);
                    frame.FrameIndex = i + 1;
                    var result = RoundTrip(client, frame);
                    output.Write(result.Data, 0, result.Length);
                    client.Release(result);
                    report.Frames++;
                }
                var stats = client.Stats;
                report.RoundTripP50Ms = stats.RoundTripP50Ms;
                report.Fps = stats.Fps;
                report.Server = client.Server.Server + ", " + client.Server.Model;
                report.Client = stats.ToString();
            }
            return Json.Serialize(report);
        }
    }
}
