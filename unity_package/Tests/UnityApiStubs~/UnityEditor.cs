// Declarations of the UnityEditor members the package's editor code uses (Unity 2019.4). Signatures only; see README.md.
using System;
using System.Reflection;
using UnityEngine;

namespace UnityEditor
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/EditorWindow.html
    public class EditorWindow : ScriptableObject
    {
        public static T GetWindow<T>(string title) where T : EditorWindow { throw null; } // EditorWindow.GetWindow.html
        public void Repaint() { throw null; } // EditorWindow.Repaint.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/MenuItem-ctor.html
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute
    {
        public MenuItem(string itemName) { throw null; }
        public MenuItem(string itemName, bool isValidateFunction, int priority) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/EditorApplication-isPlaying.html
    public sealed class EditorApplication
    {
        public static bool isPlaying { get { throw null; } set { throw null; } }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/EditorGUILayout.html
    public class EditorGUILayout
    {
        // EditorGUILayout.LabelField.html
        public static void LabelField(string label, string label2, params GUILayoutOption[] options) { throw null; }
        public static void HelpBox(string message, MessageType type) { throw null; } // EditorGUILayout.HelpBox.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/MessageType.html
    public enum MessageType
    {
        None = 0,
        Info = 1,
        Warning = 2,
        Error = 3,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Selection-activeGameObject.html
    public sealed class Selection
    {
        public static GameObject activeGameObject { get { throw null; } set { throw null; } }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Undo.AddComponent.html
    public class Undo
    {
        public static T AddComponent<T>(GameObject gameObject) where T : Component { throw null; }
    }
}

namespace UnityEditor.Build
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Build.IOrderedCallback.html
    public interface IOrderedCallback
    {
        int callbackOrder { get; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Build.IUnityLinkerProcessor.html
    public interface IUnityLinkerProcessor : IOrderedCallback
    {
        string GenerateAdditionalLinkXmlFile(Reporting.BuildReport report, UnityLinker.UnityLinkerBuildPipelineData data);
        void OnBeforeRun(Reporting.BuildReport report, UnityLinker.UnityLinkerBuildPipelineData data);
        void OnAfterRun(Reporting.BuildReport report, UnityLinker.UnityLinkerBuildPipelineData data);
    }
}

namespace UnityEditor.Build.Reporting
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Build.Reporting.BuildReport.html
    public sealed class BuildReport : UnityEngine.Object
    {
    }
}

namespace UnityEditor.UnityLinker
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/UnityLinker.UnityLinkerBuildPipelineData.html
    public sealed class UnityLinkerBuildPipelineData
    {
    }
}

namespace UnityEditor.PackageManager
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/PackageManager.PackageInfo.html
    public sealed class PackageInfo
    {
        public static PackageInfo FindForAssembly(Assembly assembly) { throw null; } // PackageManager.PackageInfo.FindForAssembly.html
        public string resolvedPath { get { throw null; } } // PackageManager.PackageInfo-resolvedPath.html
    }
}
