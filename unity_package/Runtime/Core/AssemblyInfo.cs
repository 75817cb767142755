using System.Runtime.CompilerServices;

// The EditMode tests (Tests/Editor, assembly StyleBridge.Core.Tests) check internal pieces with injected clocks.
[assembly: InternalsVisibleTo("StyleBridge.Core.Tests")]
