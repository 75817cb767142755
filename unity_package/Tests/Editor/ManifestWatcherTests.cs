using System;
using System.IO;
using System.Text;
using NUnit.Framework;
using StyleBridge.Contract;
using StyleBridge.Deploy;

namespace StyleBridge.Tests
{
    /// <summary>The hot-swap decision: real files in a temporary folder, and a clock the test moves by hand.</summary>
    [TestFixture]
    public class ManifestWatcherTests
    {
        string folder;
        double now;
        ManifestWatcher watcher;

        [SetUp]
        public void CreateFolder()
        {
            folder = Path.Combine(Path.GetTempPath(), "stylebridge-manifest-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            now = 100.0;
            watcher = new ManifestWatcher(folder, null, () => now, 0.5, 2.0);
        }

        [TearDown]
        public void RemoveFolder()
        {
            Directory.Delete(folder, true);
        }

        static string Version(string name, int version, string deployedAt, bool sidecar = true)
        {
            var stem = name + "_v" + version.ToString("0000");
            return "{\"version\": " + version + ", \"onnx\": \"" + stem + ".onnx\", \"sidecar\": " +
                   (sidecar ? "\"" + stem + ".json\"" : "null") + ", \"files\": [], \"onnx_sha256\": \"ab\", " +
                   "\"source_checkpoint\": \"c.pt\", \"source_checkpoint_sha256\": \"cd\", \"deployed_at\": \"" +
                   deployedAt + "\"}";
        }

        static string Manifest(params string[] models)
        {
            return "{\"format\": \"stylebridge.deployments\", \"format_version\": 1, \"models\": {" +
                   string.Join(", ", models) + "}}";
        }

        static string Model(string name, int current, params string[] versions)
        {
            return "\"" + name + "\": {\"current\": \"" + name + "_v" + current.ToString("0000") + ".onnx\", " +
                   "\"versions\": [" + string.Join(", ", versions) + "]}";
        }

        void Write(string name, string text)
        {
            File.WriteAllText(Path.Combine(folder, name), text, new UTF8Encoding(false));
        }

        void Deploy(string name, int version)
        {
            var stem = name + "_v" + version.ToString("0000");
            Write(stem + ".onnx", "onnx bytes");
            Write(stem + ".json", "{\"format\": \"stylebridge.model\", \"model\": \"" + stem + ".onnx\", \"contract\": " +
                                  "{\"input_range\": \"0_1\", \"output_range\": \"0_1\", \"size_multiple\": 4, \"version\": 1}}");
        }

        ModelChange After(double seconds)
        {
            now += seconds;
            return watcher.Poll();
        }

        [Test]
        public void NothingHappensWithoutAManifest()
        {
            Assert.IsNull(After(1));
            StringAssert.Contains("stylebridge deploy", watcher.Status);
        }

        [Test]
        public void AChangeIsOfferedOnceTheEventsSettle()
        {
            Assert.IsNull(After(1));
            Deploy("mosaic", 1);
            Write("manifest.json", Manifest(Model("mosaic", 1, Version("mosaic", 1, "2025-01-01T00:00:01"))));
            watcher.NotifyChanged();
            Assert.IsNull(After(0.3), "still inside the quiet period");
            watcher.NotifyChanged();
            Assert.IsNull(After(0.3), "a new event restarts it");
            var change = After(0.3);
            Assert.IsNotNull(change);
            Assert.AreEqual("mosaic", change.Name);
            Assert.AreEqual(Path.Combine(folder, "mosaic_v0001.onnx"), change.OnnxPath);
            Assert.AreEqual(4, PixelContract.FromInfo(change.Sidecar.Contract).SizeMultiple);
            Assert.AreEqual(ManifestWatcher.Phase.Idle, watcher.Current);
            watcher.NotifyChanged();
            Assert.IsNull(After(1), "the same version is not offered twice");
        }

        [Test]
        public void AHalfWrittenManifestIsNeverActedOn()
        {
            Deploy("mosaic", 1);
            var whole = Manifest(Model("mosaic", 1, Version("mosaic", 1, "2025-01-01T00:00:01")));
            Write("manifest.json", whole.Substring(0, whole.Length / 2));
            watcher.NotifyChanged();
            Assert.IsNull(After(1));
            Assert.AreEqual(ManifestWatcher.Phase.Retrying, watcher.Current);
            StringAssert.Contains("last good model stays", watcher.Status);
            Write("manifest.json", whole);
            Assert.IsNull(After(0.2), "retries wait a quiet period");
            Assert.IsNotNull(After(0.5));
        }

        [Test]
        public void AVersionWhoseFilesAreMissingWaitsForThem()
        {
            Write("manifest.json", Manifest(Model("mosaic", 2, Version("mosaic", 2, "2025-01-01T00:00:02"))));
            watcher.NotifyChanged();
            Assert.IsNull(After(1));
            StringAssert.Contains("not all there", watcher.Status);
            Deploy("mosaic", 2);
            Assert.AreEqual("mosaic_v0002.onnx", After(1).Version.Onnx);
        }

        [Test]
        public void PollingFindsChangesWithoutEvents()
        {
            Assert.IsNull(After(1));
            Deploy("mosaic", 1);
            Write("manifest.json", Manifest(Model("mosaic", 1, Version("mosaic", 1, "2025-01-01T00:00:01"))));
            Assert.IsNull(After(0.5), "no event, and the poll interval has not passed");
            Assert.IsNotNull(After(2.0));
        }

        [Test]
        public void ANewVersionIsOfferedAndTheNamedModelIsFollowed()
        {
            Deploy("mosaic", 1);
            Deploy("candy", 1);
            Write("manifest.json", Manifest(Model("mosaic", 1, Version("mosaic", 1, "2025-01-01T00:00:05")),
                Model("candy", 1, Version("candy", 1, "2025-01-01T00:00:09"))));
            Assert.AreEqual("candy", After(3).Name, "without a name, the model deployed last");
            var mosaic = new ManifestWatcher(folder, "mosaic", () => now, 0.5, 2.0);
            Assert.AreEqual("mosaic", mosaic.Poll().Name);
            Deploy("mosaic", 2);
            Write("manifest.json", Manifest(
                Model("mosaic", 2, Version("mosaic", 1, "2025-01-01T00:00:05"), Version("mosaic", 2, "2025-01-01T00:00:10")),
                Model("candy", 1, Version("candy", 1, "2025-01-01T00:00:09"))));
            mosaic.NotifyChanged();
            now += 1;
            Assert.AreEqual(2, mosaic.Poll().Version.Version);
        }

        [Test]
        public void ReadsTheManifestStylebridgeDeployWrote()
        {
            var models = TestData.PathOf("deploy", "Assets", "StyleBridge", "Models");
            var deployed = new ManifestWatcher(models, null, () => now, 0.5, 2.0);
            var change = deployed.Poll();
            Assert.IsNotNull(change, deployed.Status);
            Assert.AreEqual("demo", change.Name);
            Assert.AreEqual("demo_v0002.onnx", change.Version.Onnx);
            Assert.IsTrue(File.Exists(change.OnnxPath));
            Assert.IsNotNull(change.Sidecar.Reference, "the reference pair is deployed with it");
            Assert.IsTrue(File.Exists(Path.Combine(models, change.Sidecar.Reference.Output)));
            Assert.AreEqual("0_1", PixelContract.FromInfo(change.Sidecar.Contract).InputRange);
        }
    }
}
