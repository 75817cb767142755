using System;
using System.IO;

namespace StyleBridge.Transport
{
    /// <summary>
    /// The CURVE keys a client needs for a server started with `serve --curve-keys DIR`: the server's public key and
    /// the client's key pair, as `stylebridge keys DIR` writes them (pyzmq's certificate files, Z85 keys).
    /// </summary>
    public sealed class CurveKeys
    {
        public CurveKeys(string serverPublicKey, string clientPublicKey, string clientSecretKey)
        {
            ServerPublicKey = CheckKey(serverPublicKey, "the server's public key");
            ClientPublicKey = CheckKey(clientPublicKey, "the client's public key");
            ClientSecretKey = CheckKey(clientSecretKey, "the client's secret key");
        }

        public string ServerPublicKey { get; private set; }
        public string ClientPublicKey { get; private set; }
        public string ClientSecretKey { get; private set; }

        /// <summary>Read server.key and client.key_secret from a folder written by `stylebridge keys`.</summary>
        public static CurveKeys FromFolder(string folder, string clientName = "client")
        {
            var server = Path.Combine(folder, "server.key");
            var client = Path.Combine(folder, clientName + ".key_secret");
            return new CurveKeys(ReadKey(server, "public-key"), ReadKey(client, "public-key"),
                ReadKey(client, "secret-key"));
        }

        /// <summary>The value of `name = "..."` in a ZeroMQ certificate file (ZPL text, one key per line).</summary>
        static string ReadKey(string path, string name)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(path);
            }
            catch (Exception exc)
            {
                throw new ZmqException("cannot read CURVE keys from " + path + " (" + exc.Message +
                                       "); create them with `stylebridge keys DIR` and copy server.key and " +
                                       "client.key_secret to this machine");
            }
            foreach (var raw in lines)
            {
                var line = raw.Trim();
                if (!line.StartsWith(name, StringComparison.Ordinal))
                    continue;
                var value = line.Substring(name.Length).Trim();
                if (value.StartsWith("=", StringComparison.Ordinal))
                    return value.Substring(1).Trim().Trim('"');
            }
            throw new ZmqException(path + " holds no " + name + "; pass the files `stylebridge keys` wrote " +
                                   "(server.key, client.key_secret)");
        }

        static string CheckKey(string key, string what)
        {
            if (key == null || key.Length != 40)
                throw new ZmqException(what + " must be a 40-character Z85 CURVE key, got " +
                                       (key == null ? "nothing" : key.Length + " characters"));
            return key;
        }
    }
}
