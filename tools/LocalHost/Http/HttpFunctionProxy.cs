using System.Text.Json;
using LocalHost.Worker;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;
using Microsoft.Extensions.Primitives;

namespace LocalHost.Http;

/// <summary>
/// ASP.NET Core integration mode, as the real host does it: the HTTP request is forwarded to the
/// worker's own HTTP endpoint (its <c>HttpUri</c> capability) with <c>x-ms-invocation-id</c>, and the
/// matching InvocationRequest goes over gRPC; the response streams back unbuffered.
/// </summary>
internal sealed partial class HttpFunctionProxy(WorkerChannel channel, Uri workerHttpUri, InFlight inFlight, ILogger<HttpFunctionProxy> logger) : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        // Kestrel accepted these headers as UTF-8: pass them on as such (the default refuses non-ASCII and the
        // client would get a bare 502), so the app's own validation answers, as behind the real host.
        RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
        ResponseHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
    });

    public async Task ForwardAsync(HttpContext context, FunctionDescriptor function)
    {
        using var running = inFlight.Enter();
        var request = CreateInvocation(context, function);
        var invocationId = request.InvocationId;
        var invocation = channel.InvokeAsync(request, CancellationToken.None);

        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        using var outgoing = CreateRequest(context, invocationId);
        var sending = _client.SendAsync(outgoing, forwarding.Token);

        // A failure before the worker's HTTP pipeline is reached would leave the forwarded request
        // waiting for an invocation that never runs: stop waiting as soon as the invocation fails.
        if (await Task.WhenAny(sending, invocation) == invocation && !Succeeded(invocation))
        {
            await forwarding.CancelAsync();
            LogInvocationFailed(logger, function.Name, invocationId, Describe(invocation));
            await IgnoreFailureAsync(sending);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }

            return;
        }

        HttpResponseMessage response;
        try
        {
            response = await sending;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            if (!context.RequestAborted.IsCancellationRequested)
            {
                LogForwardFailed(logger, function.Name, invocationId, e.Message);
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
            }

            return;
        }

        using (response)
        {
            await CopyResponseAsync(response, context);
        }

        // The worker answers the invocation right after its HTTP response; wait for it so a failure is logged
        // and shutdown counts the invocation as running until then.
        await IgnoreFailureAsync(invocation);
        if (!Succeeded(invocation))
        {
            LogInvocationFailed(logger, function.Name, invocationId, Describe(invocation));
        }
    }

    public void Dispose() => _client.Dispose();

    /// <summary>The InvocationRequest for one HTTP request (the benchmark sends it directly too).</summary>
    internal static InvocationRequest CreateInvocation(HttpContext context, FunctionDescriptor function)
    {
        var request = context.Request;
        var invocation = Invocations.Create(function);
        var http = new RpcHttp { Method = request.Method, Url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}" };
        var routeValues = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.RouteValues)
        {
            if (value?.ToString() is { } text)
            {
                http.Params[key] = text;
                http.NullableParams[key] = new NullableString { Value = text };
                routeValues[key] = text;
            }
        }

        invocation.InputData.Add(new ParameterBinding { Name = function.Trigger!.Name, Data = new TypedData { Http = http } });

        // Binding data for route parameters and the query, as the host passes them (route values win).
        foreach (var (key, value) in routeValues)
        {
            invocation.TriggerMetadata[key] = new TypedData { String = value };
        }

        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        invocation.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(query) };
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        invocation.TriggerMetadata["Headers"] = new TypedData { Json = JsonSerializer.Serialize(headers) };
        return invocation;
    }

    private HttpRequestMessage CreateRequest(HttpContext context, string invocationId)
    {
        var request = context.Request;
        var target = new Uri(workerHttpUri, $"{request.PathBase}{request.Path}{request.QueryString}");
        var outgoing = new HttpRequestMessage(new HttpMethod(request.Method), target) { Version = System.Net.HttpVersion.Version11 };
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            outgoing.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!outgoing.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && outgoing.Content is not null)
            {
                outgoing.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        outgoing.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
        outgoing.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());
        outgoing.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        outgoing.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        return outgoing;
    }

    private static async Task CopyResponseAsync(HttpResponseMessage response, HttpContext context)
    {
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = new StringValues(header.Value.ToArray());
            }
        }

        // Server-sent events and other streamed bodies must reach the client as they are written.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; the worker's response is abandoned with it.
        }
        catch (IOException)
        {
            // The worker cut its response (e.g. a stream whose client stopped reading): cut the client's too, as a proxy does.
            context.Abort();
        }
    }

    private static bool Succeeded(Task<InvocationResponse> invocation) =>
        invocation.IsCompletedSuccessfully && invocation.Result.Result?.Status is StatusResult.Types.Status.Success;

    private static string Describe(Task<InvocationResponse> invocation) =>
        invocation.IsCompletedSuccessfully ? WorkerLog.Describe(invocation.Result.Result?.Exception)
        : invocation.Exception?.GetBaseException().Message ?? "not completed";

    private static async Task IgnoreFailureAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or WorkerUnavailableException)
        {
            // Already reported.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {FunctionName} invocation {InvocationId} failed: {Reason}")]
    private static partial void LogInvocationFailed(ILogger logger, string functionName, string invocationId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Forwarding {FunctionName} invocation {InvocationId} to the worker failed: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string functionName, string invocationId, string reason);
}
