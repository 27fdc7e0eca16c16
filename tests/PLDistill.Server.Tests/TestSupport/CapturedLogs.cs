using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PLDistill.Server.Tests.TestSupport;

/// <summary>A logger provider that keeps every entry, so tests can check what the server logged (and that it logs what clients do not see).</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> entries = new();

    public sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    public IReadOnlyList<Entry> Entries => entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
    }
}
