using System;
using System.Collections.Concurrent;
using System.IO;
using StyleBridge.Deploy;
using UnityEngine;

namespace StyleBridge.Unity
{
    /// <summary>
    /// Hot swap: watches Assets/StyleBridge/Models/manifest.json (what `stylebridge deploy`, `watch` and
    /// `train --deploy-to` write) with a FileSystemWatcher plus polling, and switches the runner to each new version:
    /// convert, create the worker, warm up, swap, dispose the old one. A model that fails to load leaves the last good
    /// one running and says why. The decision (debounce, half-written manifests) is ManifestWatcher's, tested outside
    /// Unity; file events arrive on other threads and only poke it.
    /// </summary>
    [AddComponentMenu("StyleBridge/Model Hot Swapper")]
    [RequireComponent(typeof(StyleRunner))]
    public sealed class ModelHotSwapper : MonoBehaviour
    {
        [Tooltip("Folder that `stylebridge deploy` writes, relative to the project (Assets/...) or absolute")]
        public string modelsFolder = "Assets/StyleBridge/Models";

        [Tooltip("Model name to follow (empty: whichever was deployed last)")]
        public string modelName = "";

        [Tooltip("Quiet seconds after a change before the manifest is read")]
        public float settleSeconds = 0.5f;

        [Tooltip("Seconds between reads when no file event arrives (file systems where watching fails)")]
        public float pollSeconds = 2f;

        readonly ConcurrentQueue<string> events = new ConcurrentQueue<string>();
        StyleRunner runner;
        ManifestWatcher watcher;
        FileSystemWatcher files;

        /// <summary>What the swapper did last, for people.</summary>
        public string Status { get; private set; }

        void OnEnable()
        {
            runner = GetComponent<StyleRunner>();
            var folder = Path.IsPathRooted(modelsFolder)
                ? modelsFolder
                : Path.Combine(Path.GetDirectoryName(Application.dataPath), modelsFolder);
            Directory.CreateDirectory(folder);
            watcher = new ManifestWatcher(folder, modelName, () => Time.realtimeSinceStartup, settleSeconds, pollSeconds);
            try
            {
                files = new FileSystemWatcher(folder, DeploymentManifest.FileName)
                {
                    NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
                };
                files.Changed += OnFileEvent;
                files.Created += OnFileEvent;
                files.Renamed += OnFileEvent;
                files.EnableRaisingEvents = true;
            }
            catch (Exception exc) // some platforms and file systems cannot watch: polling still works
            {
                Debug.LogWarning("StyleBridge: cannot watch " + folder + " (" + exc.Message + "); polling instead");
                files = null;
            }
        }

        void OnFileEvent(object sender, FileSystemEventArgs change)
        {
            events.Enqueue(change.Name); // any thread: the main thread hands it to the watcher
        }

        void Update()
        {
            string name;
            while (events.TryDequeue(out name))
                watcher.NotifyChanged();
            var change = watcher.Poll();
            Status = watcher.Status;
            if (change == null)
                return;
            StyleModel next = null;
            try
            {
                next = StyleModel.FromOnnxFile(change.OnnxPath, change.Sidecar, runner.workerType);
                next.WarmUp(); // the old model keeps running until the new one has run once
                runner.Swap(next);
                Status = "running " + change.Version.Onnx + " (" + change.Name + " version " + change.Version.Version + ")";
            }
            catch (Exception exc)
            {
                if (next != null)
                    next.Dispose();
                Status = "refused " + change.Version.Onnx + ", the last good model stays: " + exc.Message;
                Debug.LogError("StyleBridge: " + Status);
            }
        }

        void OnDisable()
        {
            if (files != null)
            {
                files.EnableRaisingEvents = false;
                files.Dispose();
                files = null;
            }
        }
    }
}
