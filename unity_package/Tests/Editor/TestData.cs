using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.Serialization.Json;
using System.Xml;
using System.Xml.Linq;
using NUnit.Framework;

namespace StyleBridge.Tests
{
    /// <summary>
    /// Where the tests' inputs are. The golden vectors ship with the package (Tests/Fixtures~/bridge, found from this
    /// source file's own path, so they are found in Unity too). Tests against a live Python server, and tests on
    /// files the Python pipeline writes (exported models, metrics), need what `pytest tests/unity_package` prepares
    /// and passes in environment variables; without them those tests are ignored, saying so.
    /// </summary>
    public static class TestData
    {
        /// <summary>
        /// The package's Tests folder, from this file's compile-time path. Unity compiles package sources under
        /// their virtual path (Packages/com.stylebridge.unity/...), which Path.GetFullPath maps to the real folder.
        /// </summary>
        public static string PackageTests([CallerFilePath] string here = "")
        {
            return Path.GetFullPath(Path.GetDirectoryName(Path.GetDirectoryName(here)));
        }

        public static string BridgeVectors
        {
            get { return Path.Combine(Path.Combine(PackageTests(), "Fixtures~"), "bridge"); }
        }

        /// <summary>The folder pytest filled with models, keys, contracts and metrics (STYLEBRIDGE_TEST_DATA).</summary>
        public static string Folder
        {
            get { return Require("STYLEBRIDGE_TEST_DATA"); }
        }

        public static string PathOf(params string[] parts)
        {
            var path = Folder;
            foreach (var part in parts)
                path = Path.Combine(path, part);
            return path;
        }

        /// <summary>An environment variable pytest sets; ignores the test (with the reason) when it is absent.</summary>
        public static string Require(string variable)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(value))
                Assert.Ignore(variable + " is not set: this test needs the Python side; run `python -m pytest " +
                              "tests/unity_package` in the stylebridge repository, which builds and runs these tests");
            return value;
        }

        /// <summary>A JSON file or body as the BCL's JSON-to-XML reader sees it (no hand-written parser).</summary>
        public static XElement ReadJson(byte[] json)
        {
            using (var reader = JsonReaderWriterFactory.CreateJsonReader(json, XmlDictionaryReaderQuotas.Max))
                return XElement.Load(reader);
        }

        /// <summary>
        /// A canonical text of a JSON value: object keys sorted, numbers as doubles, so two JSON texts are equal
        /// values exactly when their canonical texts are equal (key order and number formatting do not matter).
        /// </summary>
        public static string Canonical(XElement element)
        {
            var type = (string)element.Attribute("type") ?? "string";
            switch (type)
            {
                case "object":
                    var members = new List<string>();
                    foreach (var child in element.Elements())
                        members.Add(Quote(KeyOf(child)) + ":" + Canonical(child));
                    members.Sort(StringComparer.Ordinal);
                    return "{" + string.Join(",", members.ToArray()) + "}";
                case "array":
                    var items = new List<string>();
                    foreach (var child in element.Elements())
                        items.Add(Canonical(child));
                    return "[" + string.Join(",", items.ToArray()) + "]";
                case "number":
                    return double.Parse(element.Value, System.Globalization.CultureInfo.InvariantCulture)
                        .ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                case "boolean":
                    return element.Value;
                case "null":
                    return "null";
                default:
                    return Quote(element.Value);
            }
        }

        public static string Canonical(byte[] json)
        {
            return Canonical(ReadJson(json));
        }

        /// <summary>A member's key: its element name, or the item attribute for keys that are not XML names.</summary>
        public static string KeyOf(XElement member)
        {
            var item = member.Attribute("item");
            return item != null ? item.Value : member.Name.LocalName;
        }

        /// <summary>The member of a JSON object with this key, or null.</summary>
        public static XElement Member(XElement obj, string key)
        {
            foreach (var child in obj.Elements())
            {
                if (KeyOf(child) == key)
                    return child;
            }
            return null;
        }

        static string Quote(string text)
        {
            return "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        }

        public static byte[] ReadBytes(params string[] parts)
        {
            return File.ReadAllBytes(PathOf(parts));
        }

        public static float[] ReadFloats(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var values = new float[bytes.Length / 4];
            for (var i = 0; i < values.Length; i++)
            {
                var b = new[] { bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3] };
                if (!BitConverter.IsLittleEndian)
                    Array.Reverse(b);
                values[i] = BitConverter.ToSingle(b, 0);
            }
            return values;
        }
    }
}
