using StyleBridge.Unity;
using UnityEditor;
using UnityEngine;

namespace StyleBridge.Editor
{
    /// <summary>
    /// Window > StyleBridge: the connection state, round trip and fps of the scene's FrameStreamer, the loaded model
    /// and its pixel contract, the hot-swapper's last action and the last COMPARE metrics, refreshed while playing.
    /// </summary>
    public sealed class StyleBridgeWindow : EditorWindow
    {
        [MenuItem("Window/StyleBridge")]
        static void Open()
        {
            GetWindow<StyleBridgeWindow>("StyleBridge");
        }

        void OnInspectorUpdate()
        {
            if (EditorApplication.isPlaying)
                Repaint();
        }

        void OnGUI()
        {
            var streamer = FindObjectOfType<FrameStreamer>();
            var runner = FindObjectOfType<StyleRunner>();
            var swapper = FindObjectOfType<ModelHotSwapper>();
            if (streamer == null && runner == null)
            {
                EditorGUILayout.HelpBox("No StyleBridge components in the scene: use GameObject > StyleBridge > " +
                                        "Set Up Main Camera.", MessageType.Info);
                return;
            }
            if (streamer != null)
            {
                EditorGUILayout.LabelField("Mode", streamer.mode.ToString());
                EditorGUILayout.LabelField("Endpoint", streamer.endpoint);
                var client = streamer.Client;
                if (client == null)
                {
                    EditorGUILayout.LabelField("Bridge", EditorApplication.isPlaying ? "off (see the console)" : "not playing");
                }
                else
                {
                    var stats = client.Stats;
                    EditorGUILayout.LabelField("State", client.State.ToString());
                    EditorGUILayout.LabelField("Status", client.Status);
                    EditorGUILayout.LabelField("Round trip p50 / p99", stats.RoundTripP50Ms.ToString("F2") + " / " +
                                                                       stats.RoundTripP99Ms.ToString("F2") + " ms");
                    EditorGUILayout.LabelField("Results per second", stats.Fps.ToString("F1"));
                    EditorGUILayout.LabelField("Frames", stats.ToString());
                    var server = client.Server;
                    if (server != null && server.Model != null)
                        EditorGUILayout.LabelField("Server model", server.Model + ", generation " +
                                                                   streamer.ResultGeneration);
                }
                var compare = streamer.LastCompare;
                if (compare != null)
                    EditorGUILayout.LabelField("Last A/B", "max abs " + compare.MaxAbs.ToString("F4") + ", PSNR " +
                                                           compare.Psnr.ToString("F2") + " dB, SSIM " +
                                                           compare.Ssim.ToString("F4"));
            }
            if (runner != null)
            {
                var model = runner.Model;
                EditorGUILayout.LabelField("Barracuda model", model == null ? "none loaded" : model.Name + " on " + model.WorkerType);
                if (model != null)
                {
                    EditorGUILayout.LabelField("Contract", model.Contract.ToString());
                    foreach (var warning in model.Warnings)
                        EditorGUILayout.HelpBox(warning, MessageType.Warning);
                }
            }
            if (swapper != null)
                EditorGUILayout.LabelField("Hot swap", swapper.Status ?? "not running");
        }
    }
}
