using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentFunctions.Http;

/// <summary>
/// A server-sent-events response that ends its function when the client is gone. <see cref="Token"/> joins the
/// function's token, the client's disconnect (<c>RequestAborted</c>: a function's own token does not follow it) and a
/// stalled client: a write (with its flush) that does not complete within the write timeout — the client stopped
/// reading and every buffer on the way is full — cancels the token and aborts the connection. Whatever produces the
/// events runs with <see cref="Token"/>, so a stream nobody reads stops its model call and holds nothing.
/// The response starts with <see cref="Start"/>, so a refusal before it is an ordinary error response.
/// </summary>
internal sealed class EventStream : IDisposable
{
    public const string ContentType = "text/event-stream";

    private readonly HttpResponse _response;
    private readonly TimeSpan _writeTimeout;
    private readonly CancellationTokenSource _cancel;
    private readonly CancellationTokenSource _stall = new();
    private readonly CancellationTokenRegistration _onStall;

    public EventStream(HttpResponse response, TimeSpan writeTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        _response = response;
        _writeTimeout = writeTimeout;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, response.HttpContext.RequestAborted);

        // A write that timed out: the connection is cut first (which also ends a write Kestrel keeps waiting), then the
        // token is cancelled, so whoever sees the cancellation sees a cut connection.
        _onStall = _stall.Token.Register(() =>
        {
            if (!_cancel.IsCancellationRequested)
            {
                response.HttpContext.Abort();
                _cancel.Cancel();
            }
        });
    }

    /// <summary>Cancelled when the function is, when the client disconnects, or when it stops reading.</summary>
    public CancellationToken Token => _cancel.Token;

    public bool Started { get; private set; }

    /// <summary>200 with the event-stream headers, unbuffered.</summary>
    public void Start()
    {
        _response.StatusCode = StatusCodes.Status200OK;
        _response.ContentType = ContentType;
        _response.Headers.CacheControl = "no-cache";
        _response.Headers["X-Accel-Buffering"] = "no";
        _response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        Started = true;
    }

    /// <summary>
    /// One event (<c>event: {name}</c> unless null, one <c>data:</c> line) written and flushed within the write timeout;
    /// an <see cref="OperationCanceledException"/> when <see cref="Token"/> is cancelled.
    /// </summary>
    public Task WriteEventAsync(string? name, string data) =>
        WriteAsync(name is null ? $"data: {data}\n\n" : $"event: {name}\ndata: {data}\n\n");

    /// <summary>Raw text (e.g. a closing sentinel), under the same write timeout.</summary>
    public async Task WriteAsync(string text)
    {
        _stall.CancelAfter(_writeTimeout);
        await _response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), Token).ConfigureAwait(false);
        await _response.Body.FlushAsync(Token).ConfigureAwait(false);

        // An aborted connection may let a write complete silently: the token decides.
        Token.ThrowIfCancellationRequested();
        _stall.CancelAfter(Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _onStall.Dispose(); // waits for a stall callback in flight
        _stall.Dispose();
        _cancel.Dispose();
    }
}
