namespace PLDistill.Audio.Tests.Sources;

/// <summary>Tests that start child processes run one at a time (see <see cref="FakeRecorder"/>).</summary>
[CollectionDefinition(Name)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}
