using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace PLDistill.Testing;

/// <summary>
/// Finds every call in our assemblies that hands libtorch a TorchSharp <see cref="Scalar"/> nobody keeps alive.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns .NET numbers into native Scalars, at our call sites (the implicit conversion) and inside its own
/// members (<c>tensor * 0.5f</c>, <c>a + b</c> with its hidden <c>alpha = 1</c>, <c>square()</c>, AdamW's step, ...), and
/// leaves them to the finalizer. The JIT treats such a temporary as dead once its handle is read, so a garbage collection
/// started by any other thread can free it while libtorch is still reading it: "Scalar.h INTERNAL ASSERT FAILED",
/// "Unknown scalar type", or a wrong alpha (dotnet/TorchSharp#1434). A Scalar held in a field or a <c>using</c> local
/// lives until after the call; this audit proves no code path creates any other kind.
/// <para>It reads IL: the members of TorchSharp that create a Scalar, the TorchSharp members that reach one of those
/// (including module and optimizer constructors whose <c>forward</c> or <c>step</c> does), then every call in the audited
/// assemblies.</para>
/// </remarks>
public static class ScalarLifetimeAudit
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Lazy<HashSet<string>> UnsafeTorchSharpMembers = new(FindUnsafeTorchSharpMembers);
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>"Caller -> callee" for every call in <paramref name="assemblies"/> that creates an unkept Scalar.</summary>
    public static IReadOnlyList<string> FindUnsafeCalls(params Assembly[] assemblies) =>
        [.. assemblies.Distinct()
            .SelectMany(MethodsOf)
            .SelectMany(method => CalleesOf(method)
                .Where(callee => CreatesScalar(callee, insideTorchSharp: false) || UnsafeTorchSharpMembers.Value.Contains(KeyOf(callee)))
                .Select(callee => $"{method.DeclaringType?.FullName}.{method.Name} -> {callee.DeclaringType?.Name}.{callee}"))
            .Distinct()
            .Order(StringComparer.Ordinal)];

    /// <summary>The TorchSharp members that create a Scalar or call one that does (how many, for the test's sanity check).</summary>
    public static int UnsafeTorchSharpMemberCount => UnsafeTorchSharpMembers.Value.Count;

    private static HashSet<string> FindUnsafeTorchSharpMembers()
    {
        var methods = MethodsOf(typeof(torch).Assembly).ToList();
        var unsafeMembers = new HashSet<string>();
        var callers = new Dictionary<string, List<MethodBase>>();
        foreach (var method in methods)
        {
            foreach (var callee in CalleesOf(method))
            {
                if (CreatesScalar(callee, insideTorchSharp: true))
                    unsafeMembers.Add(KeyOf(method));
                string key = KeyOf(callee);
                if (!callers.TryGetValue(key, out var list))
                    callers[key] = list = [];
                list.Add(method);
            }
        }
        // A module or optimizer is created by its constructor and then run through a base-class call (forward, step)
        // that IL cannot resolve; so its constructors count as calling its forward and step.
        foreach (var method in methods.Where(m => m.Name is "forward" or "step"))
            foreach (var constructor in method.DeclaringType!.GetConstructors(Everything))
            {
                string key = KeyOf(method);
                if (!callers.TryGetValue(key, out var list))
                    callers[key] = list = [];
                list.Add(constructor);
            }

        var pending = new Queue<string>(unsafeMembers);
        while (pending.TryDequeue(out string? key))
            foreach (var caller in callers.GetValueOrDefault(key) ?? [])
                if (unsafeMembers.Add(KeyOf(caller)))
                    pending.Enqueue(KeyOf(caller));
        return unsafeMembers;
    }

    // Inside TorchSharp every ToScalar() result is a temporary. In our code ToScalar() is how a kept Scalar is made (the
    // initialiser of a field or a using local; review checks which), so only the implicit form, which is never kept, counts.
    private static bool CreatesScalar(MethodBase callee, bool insideTorchSharp) =>
        callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit"
        || insideTorchSharp && callee.DeclaringType == typeof(ScalarExtensionMethods)
            && callee.Name.StartsWith("To", StringComparison.Ordinal) && callee.Name.EndsWith("Scalar", StringComparison.Ordinal);

    private static string KeyOf(MethodBase method)
    {
        var definition = method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericMethodDefinition() : method;
        return $"{definition.DeclaringType?.FullName}::{definition}";
    }

    private static IEnumerable<MethodBase> MethodsOf(Assembly assembly)
    {
        Type?[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException partial) { types = partial.Types; }
        foreach (var type in types.OfType<Type>())
        {
            foreach (var method in type.GetMethods(Everything))
                yield return method;
            foreach (var constructor in type.GetConstructors(Everything))
                yield return constructor;
        }
    }

    /// <summary>Methods called, constructed or turned into delegates by <paramref name="method"/>'s IL.</summary>
    private static IEnumerable<MethodBase> CalleesOf(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
            yield break;
        for (int offset = 0; offset < il.Length;)
        {
            short value = il[offset++];
            if (value == 0xFE)
                value = (short)(0xFE00 | il[offset++]);
            if (!OpCodesByValue.TryGetValue(value, out var code))
                throw new InvalidOperationException($"unknown IL opcode 0x{value:X} in {method.DeclaringType}.{method.Name}");
            if (code == OpCodes.Call || code == OpCodes.Callvirt || code == OpCodes.Newobj
                || code == OpCodes.Ldftn || code == OpCodes.Ldvirtftn)
            {
                var callee = Resolve(method, BitConverter.ToInt32(il, offset));
                if (callee is not null)
                    yield return callee;
            }
            offset += OperandSize(code, il, offset);
        }
    }

    private static MethodBase? Resolve(MethodBase method, int token)
    {
        try
        {
            return method.Module.ResolveMethod(token,
                method.DeclaringType is { IsGenericType: true } type ? type.GetGenericArguments() : null,
                method.IsGenericMethod ? method.GetGenericArguments() : null);
        }
        catch (ArgumentException)
        {
            return null; // a vararg or otherwise unresolvable reference: never a TorchSharp member
        }
    }

    private static int OperandSize(OpCode code, byte[] il, int offset) => code.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, offset),
        _ => 4,
    };
}
