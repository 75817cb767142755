using StyleBridge.Unity;
using UnityEditor;
using UnityEngine;

namespace StyleBridge.Editor
{
    /// <summary>GameObject > StyleBridge > Set Up Main Camera: the runner, the hot-swapper and the streamer, wired.</summary>
    public static class SceneSetup
    {
        [MenuItem("GameObject/StyleBridge/Set Up Main Camera", false, 10)]
        static void SetUpMainCamera()
        {
            var camera = Selection.activeGameObject != null ? Selection.activeGameObject.GetComponent<Camera>() : null;
            camera = camera != null ? camera : Camera.main;
            if (camera == null)
            {
                Debug.LogError("StyleBridge: select a camera (or tag one MainCamera) first");
                return;
            }
            var target = camera.gameObject;
            // explicit null checks: Unity objects are not null to `??` when missing in the editor
            var runner = target.GetComponent<StyleRunner>();
            if (runner == null)
                runner = Undo.AddComponent<StyleRunner>(target);
            runner.applyToCamera = false; // the streamer decides what is shown
            if (target.GetComponent<ModelHotSwapper>() == null)
                Undo.AddComponent<ModelHotSwapper>(target);
            var streamer = target.GetComponent<FrameStreamer>();
            if (streamer == null)
                streamer = Undo.AddComponent<FrameStreamer>(target);
            streamer.runner = runner;
            Selection.activeGameObject = target;
            Debug.Log("StyleBridge: " + target.name + " has a StyleRunner, a ModelHotSwapper and a FrameStreamer; " +
                      "start `stylebridge serve`, press Play, and open Window > StyleBridge");
        }
    }
}
