using System;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using NUnit.Framework;

namespace StyleBridge.Tests
{
    /// <summary>
    /// A real `python -m pipeline serve` on a loopback port, started by a test and killed by it (the restart test
    /// kills one mid-stream and starts another on the same port). STYLEBRIDGE_PYTHON and STYLEBRIDGE_REPO say which
    /// Python and which checkout.
    /// </summary>
    public sealed class ServerProcess : IDisposable
    {
        static readonly Regex Serving = new Regex(@"serving .* on (tcp://[0-9.]+:(\d+))");
        readonly Process process;
        readonly StringBuilder log = new StringBuilder();
        readonly ManualResetEvent ready = new ManualResetEvent(false);

        ServerProcess(string arguments, int port)
        {
            var python = TestData.Require("STYLEBRIDGE_PYTHON");
            var repo = TestData.Require("STYLEBRIDGE_REPO");
            var info = new ProcessStartInfo(python,
                "-m pipeline serve --bind tcp://127.0.0.1:" + port + " --stats-interval 0 " + arguments)
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                WorkingDirectory = repo,
            };
            info.EnvironmentVariables["PYTHONPATH"] = repo;
            info.EnvironmentVariables["PYTHONUNBUFFERED"] = "1";
            process = new Process { StartInfo = info };
            process.ErrorDataReceived += OnLine;
            process.OutputDataReceived += OnLine;
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
        }

        public string Endpoint { get; private set; }
        public int Port { get; private set; }

        public string Log
        {
            get { lock (log) return log.ToString(); }
        }

        /// <summary>Start a server (port 0: any free port) and wait until it serves.</summary>
        public static ServerProcess Start(string arguments, int port = 0)
        {
            var server = new ServerProcess(arguments, port);
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!server.ready.WaitOne(100))
            {
                if (server.process.HasExited || DateTime.UtcNow > deadline)
                {
                    var why = server.process.HasExited ? "exited" : "did not start within 120 s";
                    server.Dispose();
                    Assert.Fail("the Python server " + why + ":\n" + server.Log);
                }
            }
            return server;
        }

        void OnLine(object sender, DataReceivedEventArgs line)
        {
            if (line.Data == null)
                return;
            lock (log)
                log.AppendLine(line.Data);
            var match = Serving.Match(line.Data);
            if (match.Success && Endpoint == null)
            {
                Endpoint = match.Groups[1].Value;
                Port = int.Parse(match.Groups[2].Value);
                ready.Set();
            }
        }

        /// <summary>Kill the server at once (no goodbye), as a crash or a restart would.</summary>
        public void Kill()
        {
            try
            {
                if (!process.HasExited)
                    process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
            process.WaitForExit(10000);
        }

        public void Dispose()
        {
            Kill();
            process.Dispose();
        }

        public static string Quote(string path)
        {
            return "\"" + path + "\"";
        }
    }
}
