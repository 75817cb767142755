using System.IO;
using UnityEditor;
using UnityEditor.Build;
using UnityEditor.Build.Reporting;
using UnityEditor.UnityLinker;

namespace StyleBridge.Editor
{
    /// <summary>
    /// Hands the package's Runtime/link.xml to IL2CPP's linker: Unity reads link.xml files in Assets by itself but
    /// not in packages, and without it managed code stripping removes what DataContractJsonSerializer needs.
    /// </summary>
    public sealed class LinkXmlProvider : IUnityLinkerProcessor
    {
        public int callbackOrder
        {
            get { return 0; }
        }

        public string GenerateAdditionalLinkXmlFile(BuildReport report, UnityLinkerBuildPipelineData data)
        {
            var package = UnityEditor.PackageManager.PackageInfo.FindForAssembly(typeof(LinkXmlProvider).Assembly);
            return Path.Combine(Path.Combine(package.resolvedPath, "Runtime"), "link.xml");
        }

        // Declared by the interface up to Unity 2021.1 (removed later, where these are plain methods).
        public void OnBeforeRun(BuildReport report, UnityLinkerBuildPipelineData data)
        {
        }

        public void OnAfterRun(BuildReport report, UnityLinkerBuildPipelineData data)
        {
        }
    }
}
