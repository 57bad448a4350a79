using System.Collections.Concurrent;

namespace AgentFunctions.Storage;

/// <summary>
/// Creates a named resource (table, queue) once per process; a failed creation is retried by the
/// next caller instead of being cached.
/// </summary>
internal sealed class CreateOnce<T>(Func<string, Task<T>> create)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _created = new(StringComparer.Ordinal);

    public Task<T> GetAsync(string name, CancellationToken cancellationToken) =>
        _created.GetOrAdd(name, key => new Lazy<Task<T>>(() => CreateAsync(key))).Value.WaitAsync(cancellationToken);

    private async Task<T> CreateAsync(string name)
    {
        try
        {
            return await create(name).ConfigureAwait(false);
        }
        catch
        {
            _created.TryRemove(name, out _);
            throw;
        }
    }
}
