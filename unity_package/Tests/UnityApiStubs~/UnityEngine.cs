// Declarations of the UnityEngine members the package uses (Unity 2019.4). Signatures only; see README.md.
#pragma warning disable 660, 661 // Object declares == and != as Unity does, without Equals/GetHashCode overrides
using System;

namespace UnityEngine
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Object.html
    public class Object
    {
        public string name { get { throw null; } set { throw null; } } // Object-name.html
        public static void Destroy(Object obj, float t = 0.0F) { throw null; } // Object.Destroy.html
        public static T FindObjectOfType<T>() where T : Object { throw null; } // Object.FindObjectOfType.html
        public static bool operator ==(Object x, Object y) { throw null; } // Object-operator_eq.html
        public static bool operator !=(Object x, Object y) { throw null; } // Object-operator_ne.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Component.html
    public class Component : Object
    {
        public GameObject gameObject { get { throw null; } } // Component-gameObject.html
        public T GetComponent<T>() { throw null; } // Component.GetComponent.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Behaviour.html
    public class Behaviour : Component
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/MonoBehaviour.html
    public class MonoBehaviour : Behaviour
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/ScriptableObject.html
    public class ScriptableObject : Object
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/GameObject.html
    public sealed class GameObject : Object
    {
        public T GetComponent<T>() { throw null; } // GameObject.GetComponent.html
        public T AddComponent<T>() where T : Component { throw null; } // GameObject.AddComponent.html
        public Transform transform { get { throw null; } } // GameObject-transform.html
        public static GameObject CreatePrimitive(PrimitiveType type) { throw null; } // GameObject.CreatePrimitive.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/PrimitiveType.html
    public enum PrimitiveType
    {
        Sphere = 0,
        Capsule = 1,
        Cylinder = 2,
        Cube = 3,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Transform.html
    public class Transform : Component
    {
        public Vector3 position { get { throw null; } set { throw null; } } // Transform-position.html
        public void Rotate(float xAngle, float yAngle, float zAngle, Space relativeTo = Space.Self) { throw null; } // Transform.Rotate.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Space.html
    public enum Space
    {
        World = 0,
        Self = 1,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Renderer.html
    public class Renderer : Component
    {
        public Material material { get { throw null; } set { throw null; } } // Renderer-material.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Vector3-ctor.html
    public struct Vector3
    {
        public Vector3(float x, float y, float z) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Color-ctor.html
    public struct Color
    {
        public Color(float r, float g, float b) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Camera.html
    public sealed class Camera : Behaviour
    {
        public static Camera main { get { throw null; } } // Camera-main.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Texture.html
    public class Texture : Object
    {
        public virtual int width { get { throw null; } set { throw null; } } // Texture-width.html
        public virtual int height { get { throw null; } set { throw null; } } // Texture-height.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Texture2D.html
    public sealed class Texture2D : Texture
    {
        // Texture2D-ctor.html
        public Texture2D(int width, int height, TextureFormat textureFormat, bool mipChain, bool linear) { throw null; }

        // Texture2D.GetRawTextureData.html
        public Unity.Collections.NativeArray<T> GetRawTextureData<T>() where T : struct { throw null; }

        public void Apply(bool updateMipmaps = true, bool makeNoLongerReadable = false) { throw null; } // Texture2D.Apply.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Texture3D.html
    public sealed class Texture3D : Texture
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/RenderTexture.html
    public class RenderTexture : Texture
    {
        // RenderTexture-ctor.html
        public RenderTexture(int width, int height, int depth, RenderTextureFormat format, RenderTextureReadWrite readWrite) { throw null; }

        public bool Create() { throw null; } // RenderTexture.Create.html
        public void Release() { throw null; } // RenderTexture.Release.html
        public bool sRGB { get { throw null; } } // RenderTexture-sRGB.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/TextAsset.html
    public class TextAsset : Object
    {
        public byte[] bytes { get { throw null; } } // TextAsset-bytes.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Shader.html
    public sealed class Shader : Object
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Material.html
    public class Material : Object
    {
        public Material(Shader shader) { throw null; } // Material-ctor.html
        public void SetVector(string name, Vector4 value) { throw null; } // Material.SetVector.html
        public Color color { get { throw null; } set { throw null; } } // Material-color.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Resources.Load.html
    public static class Resources
    {
        public static T Load<T>(string path) where T : Object { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Graphics.Blit.html
    public sealed class Graphics
    {
        public static void Blit(Texture source, RenderTexture dest) { throw null; }
        public static void Blit(Texture source, RenderTexture dest, Material mat, int pass = -1) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Vector4-ctor.html
    public struct Vector4
    {
        public Vector4(float x, float y, float z, float w) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Rect-ctor.html
    public struct Rect
    {
        public Rect(float x, float y, float width, float height) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/QualitySettings-activeColorSpace.html
    public sealed class QualitySettings : Object
    {
        public static ColorSpace activeColorSpace { get { throw null; } }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/ColorSpace.html
    public enum ColorSpace
    {
        Uninitialized = -1,
        Gamma = 0,
        Linear = 1,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/SystemInfo-supportsComputeShaders.html
    public sealed class SystemInfo
    {
        public static bool supportsComputeShaders { get { throw null; } }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Debug.html
    public class Debug
    {
        public static void Log(object message) { throw null; } // Debug.Log.html
        public static void LogWarning(object message) { throw null; } // Debug.LogWarning.html
        public static void LogError(object message) { throw null; } // Debug.LogError.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Time.html
    public class Time
    {
        public static int frameCount { get { throw null; } } // Time-frameCount.html
        public static float realtimeSinceStartup { get { throw null; } } // Time-realtimeSinceStartup.html
        public static float deltaTime { get { throw null; } } // Time-deltaTime.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Application.html
    public class Application
    {
        public static string dataPath { get { throw null; } } // Application-dataPath.html
        public static string productName { get { throw null; } } // Application-productName.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Input.GetKeyDown.html
    public class Input
    {
        public static bool GetKeyDown(KeyCode key) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/KeyCode.F9.html
    public enum KeyCode
    {
        F9 = 290,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Screen.html
    public sealed class Screen
    {
        public static int width { get { throw null; } } // Screen-width.html
        public static int height { get { throw null; } } // Screen-height.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/GUI.html
    public class GUI
    {
        public static void Label(Rect position, string text) { throw null; } // GUI.Label.html
        public static void DrawTexture(Rect position, Texture image) { throw null; } // GUI.DrawTexture.html
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/GUILayoutOption.html
    public sealed class GUILayoutOption
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/TextureFormat.RGBA32.html
    public enum TextureFormat
    {
        RGBA32 = 4,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/RenderTextureFormat.ARGB32.html
    public enum RenderTextureFormat
    {
        ARGB32 = 0,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/RenderTextureReadWrite.html
    public enum RenderTextureReadWrite
    {
        Default = 0,
        Linear = 1,
        sRGB = 2,
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/PropertyAttribute.html
    public abstract class PropertyAttribute : Attribute
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/TooltipAttribute-ctor.html
    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public class TooltipAttribute : PropertyAttribute
    {
        public TooltipAttribute(string tooltip) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/AddComponentMenu-ctor.html
    public sealed class AddComponentMenu : Attribute
    {
        public AddComponentMenu(string menuName) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/DisallowMultipleComponent.html
    [AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
    public sealed class DisallowMultipleComponent : Attribute
    {
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/RequireComponent-ctor.html
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class RequireComponent : Attribute
    {
        public RequireComponent(Type requiredComponent) { throw null; }
    }
}

namespace UnityEngine.Rendering
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Rendering.AsyncGPUReadback.Request.html
    public static class AsyncGPUReadback
    {
        public static AsyncGPUReadbackRequest Request(Texture src, int mipIndex, TextureFormat dstFormat,
            Action<AsyncGPUReadbackRequest> callback = null) { throw null; }
    }

    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Rendering.AsyncGPUReadbackRequest.html
    public struct AsyncGPUReadbackRequest
    {
        public bool hasError { get { throw null; } } // Rendering.AsyncGPUReadbackRequest-hasError.html
        public int width { get { throw null; } } // Rendering.AsyncGPUReadbackRequest-width.html
        public int height { get { throw null; } } // Rendering.AsyncGPUReadbackRequest-height.html

        // Rendering.AsyncGPUReadbackRequest.GetData.html
        public Unity.Collections.NativeArray<T> GetData<T>(int layer = 0) where T : struct { throw null; }
    }
}

namespace Unity.Collections
{
    // https://docs.unity3d.com/2019.4/Documentation/ScriptReference/Unity.Collections.NativeArray_1.html
    public struct NativeArray<T> where T : struct
    {
        // Unity.Collections.NativeArray_1.Copy.html
        public static void Copy(NativeArray<T> src, int srcIndex, T[] dst, int dstIndex, int length) { throw null; }
        public static void Copy(T[] src, int srcIndex, NativeArray<T> dst, int dstIndex, int length) { throw null; }
    }
}
