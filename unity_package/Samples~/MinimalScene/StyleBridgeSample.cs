using StyleBridge.Unity;
using UnityEngine;

namespace StyleBridge.Samples
{
    /// <summary>
    /// A minimal scene built at Play: coloured shapes turning in front of the main camera, which gets a StyleRunner,
    /// a ModelHotSwapper and a FrameStreamer. Put it on any object in an empty scene (with the default camera and
    /// light), start `stylebridge serve`, and press Play; switch the streamer's mode in its inspector.
    /// </summary>
    public sealed class StyleBridgeSample : MonoBehaviour
    {
        public StreamMode mode = StreamMode.Remote;
        public string endpoint = "tcp://127.0.0.1:5556";

        GameObject[] shapes;

        void Start()
        {
            var kinds = new[] { PrimitiveType.Cube, PrimitiveType.Sphere, PrimitiveType.Capsule, PrimitiveType.Cylinder };
            var colors = new[] { new Color(0.9f, 0.2f, 0.2f), new Color(0.2f, 0.7f, 0.3f), new Color(0.2f, 0.4f, 0.9f),
                                 new Color(0.95f, 0.8f, 0.2f) };
            shapes = new GameObject[kinds.Length];
            for (var i = 0; i < kinds.Length; i++)
            {
                shapes[i] = GameObject.CreatePrimitive(kinds[i]);
                shapes[i].transform.position = new Vector3(-3f + 2f * i, 0f, 5f);
                shapes[i].GetComponent<Renderer>().material.color = colors[i];
            }
            var camera = Camera.main.gameObject;
            var runner = camera.AddComponent<StyleRunner>();
            runner.applyToCamera = false;
            camera.AddComponent<ModelHotSwapper>();
            var streamer = camera.AddComponent<FrameStreamer>();
            streamer.runner = runner;
            streamer.mode = mode;
            streamer.endpoint = endpoint;
        }

        void Update()
        {
            for (var i = 0; i < shapes.Length; i++)
                shapes[i].transform.Rotate(0f, (30f + 15f * i) * Time.deltaTime, 10f * Time.deltaTime);
        }
    }
}
