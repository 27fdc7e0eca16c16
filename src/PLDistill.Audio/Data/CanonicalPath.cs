namespace PLDistill.Audio.Data;

/// <summary>
/// A path with every symbolic link in it resolved, as realpath(3) does: one name for a file or folder however many links
/// reach it.
/// </summary>
internal static class CanonicalPath
{
    /// <summary>Links followed while resolving one path before it counts as a loop (Linux's limit).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The canonical form of <paramref name="path"/>: absolute, each link (in any component, not just the last) replaced
    /// by its target, and a ".." in a target applied to the folder the link leads to, as the file system applies it;
    /// names that do not exist are kept as they are. Null when the links loop.
    /// </summary>
    /// <remarks>
    /// Not <c>Path.GetFullPath</c> of <c>ResolveLinkTarget(returnFinalTarget: true)</c>: that resolves the last component
    /// only and removes ".." by text, so a link to <c>../self/Actor_01</c> (where <c>self -> .</c>) names the folder it is
    /// in by a new, longer path each time it is reached.
    /// </remarks>
    public static string? Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        string resolved = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(Components(full[resolved.Length..]).Reverse());
        int links = 0;
        while (pending.TryPop(out string? name))
        {
            if (name == ".")
                continue;
            if (name == "..")
            {
                resolved = Path.GetDirectoryName(resolved) ?? resolved;   // the root's parent is the root
                continue;
            }
            string next = Path.Join(resolved, name);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                resolved = next;
                continue;
            }
            if (++links > MaxLinks)
                return null;
            // A relative target continues from the link's folder (resolved, as it stands); an absolute one from its root.
            if (Path.IsPathRooted(target))
            {
                resolved = Path.GetPathRoot(target)!;
                target = target[resolved.Length..];
            }
            foreach (string part in Components(target).Reverse())
                pending.Push(part);
        }
        return resolved;
    }

    private static string[] Components(string relative) =>
        relative.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
