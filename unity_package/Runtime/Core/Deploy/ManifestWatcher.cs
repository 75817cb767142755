using System;
using System.IO;
using StyleBridge.Contract;

namespace StyleBridge.Deploy
{
    /// <summary>A model version to switch to: which .onnx, its sidecar (may be null) and where they are.</summary>
    public sealed class ModelChange
    {
        public string Name;
        public DeployedVersion Version;
        public string OnnxPath;
        public string SidecarPath;
        public ModelSidecar Sidecar;
    }

    /// <summary>
    /// Decides when the model deployed in <c>folder</c> (Assets/StyleBridge/Models) changed, as a state machine driven by an injected clock, so it is tested
    /// without waiting: file events (<see cref="NotifyChanged"/>, from any thread) start a quiet period that every
    /// further event restarts (debounce); after it the manifest is read; a polling fallback reads it every
    /// <c>pollSeconds</c> anyway (FileSystemWatcher misses events on some file systems). A manifest that cannot be
    /// read or parsed, or names files that are not there yet, is never acted on: it is read again after another
    /// quiet period, and the last good model stays. A change is offered once per version.
    /// </summary>
    public sealed class ManifestWatcher
    {
        public enum Phase
        {
            Idle,
            Settling, // events arrived; waiting for the quiet period to pass
            Retrying, // the last read failed; reading again after a quiet period
        }

        readonly string folder;
        readonly string modelName;
        readonly Func<double> clock;
        readonly double quietSeconds;
        readonly double pollSeconds;
        readonly object gate = new object();
        Phase phase = Phase.Settling; // read at start
        double lastEventAt = double.NegativeInfinity;
        double nextPollAt;
        double retryAt;
        string offered; // the .onnx last offered
        string status = "waiting for " + DeploymentManifest.FileName;

        /// <param name="modelName">the model to follow; null follows whichever model was deployed last</param>
        public ManifestWatcher(string folder, string modelName, Func<double> clock, double quietSeconds = 0.5,
            double pollSeconds = 2.0)
        {
            this.folder = folder;
            this.modelName = string.IsNullOrEmpty(modelName) ? null : modelName;
            this.clock = clock;
            this.quietSeconds = quietSeconds;
            this.pollSeconds = pollSeconds;
            nextPollAt = clock() + pollSeconds;
        }

        public Phase Current
        {
            get { lock (gate) return phase; }
        }

        public string Status
        {
            get { lock (gate) return status; }
        }

        /// <summary>A file in the folder changed (FileSystemWatcher events call this from their own threads).</summary>
        public void NotifyChanged()
        {
            lock (gate)
            {
                lastEventAt = clock();
                phase = Phase.Settling;
            }
        }

        /// <summary>Call every frame: a change to load now, or null.</summary>
        public ModelChange Poll()
        {
            var now = clock();
            lock (gate)
            {
                switch (phase)
                {
                    case Phase.Settling:
                        if (now - lastEventAt < quietSeconds)
                            return null;
                        break;
                    case Phase.Retrying:
                        if (now < retryAt)
                            return null;
                        break;
                    default:
                        if (now < nextPollAt)
                            return null;
                        break;
                }
                nextPollAt = now + pollSeconds;
            }
            string problem;
            var change = Read(out problem);
            lock (gate)
            {
                if (problem != null)
                {
                    phase = Phase.Retrying;
                    retryAt = now + quietSeconds;
                    status = problem + "; reading again shortly (the last good model stays)";
                    return null;
                }
                if (phase != Phase.Settling || now - lastEventAt >= quietSeconds) // no event arrived while reading
                    phase = Phase.Idle;
                if (change == null || change.Version.Onnx == offered)
                    return null;
                offered = change.Version.Onnx;
                status = "switching to " + change.Version.Onnx + " (" + change.Name + " version " +
                         change.Version.Version + ")";
                return change;
            }
        }

        /// <summary>The current version as the manifest names it, or null when nothing is deployed; problem says why not.</summary>
        ModelChange Read(out string problem)
        {
            problem = null;
            DeploymentManifest manifest;
            try
            {
                var bytes = ReadFile(DeploymentManifest.FileName);
                if (bytes == null)
                {
                    lock (gate)
                        status = "no " + DeploymentManifest.FileName + " yet: deploy a model with `stylebridge deploy`";
                    return null;
                }
                manifest = DeploymentManifest.Parse(bytes);
            }
            catch (Exception exc) // IOException (being replaced), FormatException (not a manifest)
            {
                problem = DeploymentManifest.FileName + " cannot be used now: " + exc.Message;
                return null;
            }
            string name;
            var version = manifest.Current(modelName, out name);
            if (version == null)
            {
                lock (gate)
                    status = "the manifest names no current version" + (modelName == null ? "" : " of " + modelName);
                return null;
            }
            if (!File.Exists(PathOf(version.Onnx)) || (version.Sidecar != null && !File.Exists(PathOf(version.Sidecar))))
            {
                problem = "the manifest names " + version.Onnx + ", but its files are not all there yet";
                return null;
            }
            ModelSidecar sidecar = null;
            if (version.Sidecar != null)
            {
                try
                {
                    sidecar = ModelSidecar.Parse(ReadFile(version.Sidecar), version.Sidecar);
                }
                catch (Exception exc) // IOException or ContractException
                {
                    problem = "cannot read " + version.Sidecar + ": " + exc.Message;
                    return null;
                }
            }
            return new ModelChange
            {
                Name = name,
                Version = version,
                OnnxPath = PathOf(version.Onnx),
                SidecarPath = version.Sidecar == null ? null : PathOf(version.Sidecar),
                Sidecar = sidecar,
            };
        }

        /// <summary>The bytes of a file in the folder, or null when it does not exist (IOException while it is replaced).</summary>
        byte[] ReadFile(string name)
        {
            var path = PathOf(name);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }

        string PathOf(string name)
        {
            return Path.Combine(folder, name);
        }
    }
}
