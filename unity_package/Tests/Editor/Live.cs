using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using NUnit.Framework;
using StyleBridge.Client;
using StyleBridge.Protocol;

namespace StyleBridge.Tests
{
    /// <summary>Helpers for the tests against a live server: clients, test frames, waiting with deadlines.</summary>
    public static class Live
    {
        public static BridgeClient Connect(string endpoint, BridgeClientOptions options = null)
        {
            options = options ?? new BridgeClientOptions();
            options.Endpoint = endpoint;
            options.Name = options.Name == "unity" ? "csharp-tests" : options.Name;
            options.Log = options.Log ?? ((level, text) =>
            {
                if (level != BridgeLogLevel.Info)
                    Console.WriteLine("[client " + level + "] " + text);
            });
            var client = new BridgeClient(options);
            if (!client.WaitForConnection(TimeSpan.FromSeconds(15)))
            {
                var status = client.Status;
                client.Dispose();
                Assert.Fail("no session with " + endpoint + " within 15 s: " + status);
            }
            return client;
        }

        /// <summary>A frame whose bytes depend on seed and position, so a swapped row, channel or frame shows.</summary>
        public static byte[] Pattern(int width, int height, PixelFormat format, int seed)
        {
            var data = new byte[width * height * WireNames.BytesPerPixel(format)];
            for (var i = 0; i < data.Length; i++)
                data[i] = (byte)(i * 7 + seed * 31 + i / 251);
            return data;
        }

        /// <summary>Send one frame and wait for its RESULT (frames go one at a time, so the result is this frame's).</summary>
        public static FrameBuffer Stylize(BridgeClient client, byte[] pixels, int width, int height, PixelFormat format,
            RowOrder rows, ColorEncoding encoding, long frameIndex, double timeoutSeconds = 20)
        {
            Assert.IsTrue(client.Submit(new ArraySegment<byte>(pixels), width, height, format, rows, encoding, frameIndex));
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < timeoutSeconds)
            {
                FrameBuffer result;
                client.WaitForResult(TimeSpan.FromMilliseconds(100));
                if (client.TryTakeResult(out result))
                {
                    if (result.FrameIndex == frameIndex)
                        return result;
                    client.Release(result);
                }
            }
            Assert.Fail("no RESULT for frame " + frameIndex + " within " + timeoutSeconds + " s; " + client.Status +
                        "; " + client.Stats);
            return null;
        }

        public static T Wait<T>(System.Threading.Tasks.Task<T> task, double seconds = 30)
        {
            if (!task.Wait(TimeSpan.FromSeconds(seconds)))
                Assert.Fail("no reply within " + seconds + " s");
            return task.Result;
        }

        /// <summary>The exception a Task failed with (unwrapped), failing the test when it succeeded or hung.</summary>
        public static Exception Failure<T>(System.Threading.Tasks.Task<T> task, double seconds = 30)
        {
            try
            {
                task.Wait(TimeSpan.FromSeconds(seconds));
            }
            catch (AggregateException exc)
            {
                return exc.InnerException;
            }
            Assert.Fail(task.IsCompleted ? "the request succeeded" : "the request neither failed nor finished");
            return null;
        }

        public static byte[] Bytes(FrameBuffer frame)
        {
            var copy = new byte[frame.Length];
            Buffer.BlockCopy(frame.Data, 0, copy, 0, frame.Length);
            return copy;
        }

        /// <summary>Open file descriptors of this process (Linux), or -1 where /proc is not there.</summary>
        public static int OpenFiles()
        {
            return Directory.Exists("/proc/self/fd") ? Directory.GetFileSystemEntries("/proc/self/fd").Length : -1;
        }

        /// <summary>Upright RGB (H, W, 3) -> what a Unity RGBA32 texture holds: bottom row first, opaque alpha.</summary>
        public static byte[] AsUnityTexture(byte[] rgb, int width, int height)
        {
            var rgba = new byte[width * height * 4];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var s = (y * width + x) * 3;
                    var d = ((height - 1 - y) * width + x) * 4;
                    rgba[d] = rgb[s];
                    rgba[d + 1] = rgb[s + 1];
                    rgba[d + 2] = rgb[s + 2];
                    rgba[d + 3] = 255;
                }
            }
            return rgba;
        }

        /// <summary>The inverse of <see cref="AsUnityTexture"/>: upright RGB without alpha.</summary>
        public static byte[] FromUnityTexture(byte[] rgba, int width, int height)
        {
            var rgb = new byte[width * height * 3];
            for (var y = 0; y < height; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var s = ((height - 1 - y) * width + x) * 4;
                    var d = (y * width + x) * 3;
                    rgb[d] = rgba[s];
                    rgb[d + 1] = rgba[s + 1];
                    rgb[d + 2] = rgba[s + 2];
                }
            }
            return rgb;
        }
    }
}
