using System;
using System.Threading.Tasks;
using StyleBridge.Client;
using StyleBridge.Protocol;
using StyleBridge.Transport;
using Unity.Collections;
using UnityEngine;
using UnityEngine.Rendering;

namespace StyleBridge.Unity
{
    public enum StreamMode
    {
        Remote, // the Python server stylizes; its RESULT is shown
        Local, // Barracuda stylizes (StyleRunner); nothing is sent
        AB, // both: Barracuda full screen, the server's RESULT inset, COMPARE metrics on screen
        Capture, // frames are saved into the server's dataset (hotkey or every N frames); shown unstylized
    }

    /// <summary>
    /// Streams the camera to `stylebridge serve`: the frame is read back with AsyncGPUReadback (no stall) into a pooled
    /// buffer and handed to the BridgeClient (newest frame wins; the main thread never waits on the network), with
    /// the row order and colour encoding of the texture it came from; RESULTs are uploaded into a texture and shown.
    /// All protocol and connection logic is the engine-free BridgeClient's; this component only moves pixels.
    /// </summary>
    [AddComponentMenu("StyleBridge/Frame Streamer")]
    [RequireComponent(typeof(Camera))]
    public sealed class FrameStreamer : MonoBehaviour
    {
        public StreamMode mode = StreamMode.Remote;
        public string endpoint = "tcp://127.0.0.1:5556";

        [Tooltip("Folder with server.key and client.key_secret from `stylebridge keys` (empty: no CURVE)")]
        public string curveKeysFolder = "";

        [Tooltip("Size of the frames sent (the camera image is scaled to it)")]
        public int width = 960;

        public int height = 540;

        [Tooltip("The Barracuda runner for Local and A/B")]
        public StyleRunner runner;

        [Tooltip("A/B: send COMPARE every this many frames")]
        public int compareEvery = 30;

        [Tooltip("Capture: send CAPTURE every this many frames (0: only on the key)")]
        public int captureEvery;

        public KeyCode captureKey = KeyCode.F9;
        public bool showStatus = true;

        BridgeClient client;
        RenderTexture captured;
        Texture2D result;
        bool readbackPending;
        bool pairNextFrame; // the frame being read back is the input of a COMPARE
        bool captureRequested;
        Action<AsyncGPUReadbackRequest> onFrameRead, onEngineOutputRead; // made once: no delegate per frame
        int resultGeneration;
        FrameBuffer compareInput;
        Task<CompareResultBody> compareTask;

        public BridgeClient Client
        {
            get { return client; }
        }

        /// <summary>The last COMPARE metrics (A/B), or null.</summary>
        public CompareResultBody LastCompare { get; private set; }

        public int ResultGeneration
        {
            get { return resultGeneration; }
        }

        void OnEnable()
        {
            onFrameRead = OnFrameRead;
            onEngineOutputRead = OnEngineOutputRead;
            captured = new RenderTexture(width, height, 0, RenderTextureFormat.ARGB32, RenderTextureReadWrite.sRGB);
            captured.Create();
            result = new Texture2D(width, height, TextureFormat.RGBA32, false, false);
            if (mode == StreamMode.Local)
                return;
            try
            {
                client = new BridgeClient(new BridgeClientOptions
                {
                    Endpoint = endpoint,
                    Name = "unity " + Application.productName,
                    Curve = string.IsNullOrEmpty(curveKeysFolder) ? null : CurveKeys.FromFolder(curveKeysFolder),
                    Log = LogFromClient,
                });
            }
            catch (Exception exc) // ZmqException: no native library, bad keys or endpoint
            {
                Debug.LogError("StyleBridge: the bridge is off: " + exc.Message);
                client = null;
            }
        }

        static void LogFromClient(BridgeLogLevel level, string message)
        {
            if (level == BridgeLogLevel.Error)
                Debug.LogError("StyleBridge: " + message);
            else if (level == BridgeLogLevel.Warning)
                Debug.LogWarning("StyleBridge: " + message);
            else
                Debug.Log("StyleBridge: " + message);
        }

        void Update()
        {
            if (Input.GetKeyDown(captureKey))
                captureRequested = true;
            if (client == null)
                return;
            FrameBuffer frame;
            if (client.TryTakeResult(out frame))
            {
                if (frame.Width == result.width && frame.Height == result.height)
                {
                    var texels = result.GetRawTextureData<byte>();
                    NativeArray<byte>.Copy(frame.Data, 0, texels, 0, frame.Length);
                    result.Apply(false);
                    resultGeneration = frame.Generation;
                }
                client.Release(frame);
            }
            if (compareTask != null && compareTask.IsCompleted)
            {
                if (compareTask.Status == TaskStatus.RanToCompletion)
                    LastCompare = compareTask.Result;
                else
                    Debug.LogWarning("StyleBridge: COMPARE failed: " + compareTask.Exception.GetBaseException().Message);
                compareTask = null;
            }
        }

        void OnRenderImage(RenderTexture source, RenderTexture destination)
        {
            Graphics.Blit(source, captured);
            var local = (mode == StreamMode.Local || mode == StreamMode.AB) && runner != null && runner.Stylize(captured);
            if (client != null && mode != StreamMode.Local && !readbackPending)
            {
                readbackPending = true;
                pairNextFrame = local && mode == StreamMode.AB && compareTask == null && compareInput == null &&
                                Time.frameCount % Math.Max(1, compareEvery) == 0;
                AsyncGPUReadback.Request(captured, 0, TextureFormat.RGBA32, onFrameRead);
                if (pairNextFrame) // requests complete in order: this one right after its input
                    AsyncGPUReadback.Request(runner.Output, 0, TextureFormat.RGBA32, onEngineOutputRead);
            }
            if (local)
                Graphics.Blit(runner.Output, destination);
            else if (mode == StreamMode.Remote && resultGeneration > 0)
                Graphics.Blit(result, destination);
            else
                Graphics.Blit(source, destination);
        }

        FrameBuffer Copy(AsyncGPUReadbackRequest request, RenderTexture texture)
        {
            var frame = client.Pool.Rent(request.width, request.height, PixelFormat.Rgba32);
            NativeArray<byte>.Copy(request.GetData<byte>(0), 0, frame.Data, 0, frame.Length);
            frame.RowOrder = TextureLayout.Rows;
            frame.ColorEncoding = TextureLayout.EncodingOf(QualitySettings.activeColorSpace == ColorSpace.Linear,
                texture.sRGB);
            frame.FrameIndex = Time.frameCount;
            return frame;
        }

        void OnFrameRead(AsyncGPUReadbackRequest request)
        {
            readbackPending = false;
            if (client == null || request.hasError)
                return;
            var frame = Copy(request, captured);
            if (mode == StreamMode.Capture)
            {
                var due = captureRequested || (captureEvery > 0 && Time.frameCount % captureEvery == 0);
                try
                {
                    if (due)
                    {
                        captureRequested = false;
                        // throws ArgumentException for a source the server would refuse (over 200 characters)
                        client.CaptureAsync(frame.Pixels, frame.Width, frame.Height, frame.Format, frame.RowOrder,
                            frame.ColorEncoding, gameObject.name, Time.frameCount);
                    }
                }
                finally
                {
                    client.Release(frame);
                }
                return;
            }
            if (pairNextFrame)
                compareInput = Copy(request, captured); // kept until the engine's output for it arrives
            pairNextFrame = false;
            client.Submit(frame);
        }

        void OnEngineOutputRead(AsyncGPUReadbackRequest request)
        {
            var input = compareInput;
            compareInput = null;
            if (client == null || input == null || request.hasError || request.width != input.Width ||
                request.height != input.Height)
            {
                if (client != null)
                    client.Release(input);
                return;
            }
            var engine = Copy(request, runner.Output);
            compareTask = client.CompareAsync(input.Pixels, engine.Pixels, input.Width, input.Height, input.Format,
                input.RowOrder, input.ColorEncoding);
            client.Release(input);
            client.Release(engine);
        }

        void OnGUI()
        {
            if (!showStatus)
                return;
            var text = mode + ": " + (client == null ? "bridge off" : client.State + " - " + client.Status);
            if (client != null)
                text += "\n" + client.Stats;
            if (runner != null && runner.Model != null)
                text += "\nBarracuda: " + runner.Model.Name + " (" + runner.Model.Contract + ")";
            if (LastCompare != null)
                text += string.Format("\nA/B vs {0}: max abs {1:F4}  mean abs {2:F5}  PSNR {3:F2} dB  SSIM {4:F4}",
                    LastCompare.Model ?? "the input (passthrough)", LastCompare.MaxAbs, LastCompare.MeanAbs, LastCompare.Psnr, LastCompare.Ssim);
            GUI.Label(new Rect(10, 10, Screen.width - 20, 90), text);
            if (mode == StreamMode.AB && resultGeneration > 0)
                GUI.DrawTexture(new Rect(Screen.width * 0.7f, Screen.height * 0.7f, Screen.width * 0.28f,
                    Screen.height * 0.28f), result);
        }

        void OnDisable()
        {
            if (client != null)
            {
                client.Release(compareInput);
                client.Dispose(); // within 100 ms, leaving no thread or socket: the next Play starts clean
            }
            client = null;
            compareInput = null;
            compareTask = null;
            if (captured != null)
            {
                captured.Release();
                Destroy(captured);
            }
            if (result != null)
                Destroy(result);
        }
    }
}
