using System.Text.Json;
using LocalHost.Worker;
using Microsoft.Azure.Functions.Worker.Grpc.Messages;

namespace LocalHost.Http;

/// <summary>
/// <c>POST /admin/functions/{name}</c> with <c>{"input": "..."}</c> runs a non-HTTP function once,
/// like Core Tools; <c>GET /admin/host/status</c> says the host is up and which worker it runs.
/// </summary>
internal static partial class AdminEndpoints
{
    public static void Map(WebApplication app, IReadOnlyDictionary<string, FunctionDescriptor> functions, WorkerChannel channel, InFlight inFlight, Func<object> status)
    {
        app.MapGet("/admin/host/status", () => Results.Json(status()));
        app.MapPost("/admin/functions/{name}", async (string name, HttpRequest request, ILogger<WorkerChannel> logger) =>
        {
            if (!functions.TryGetValue(name, out var function))
            {
                return Results.Problem($"No function named '{name}'.", statusCode: StatusCodes.Status404NotFound);
            }

            if (function.IsHttp || function.Trigger is null)
            {
                return Results.Problem($"'{name}' is an HTTP function: call its route instead.", statusCode: StatusCodes.Status400BadRequest);
            }

            string input;
            try
            {
                using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
                input = body.RootElement.TryGetProperty("input", out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()!
                    : throw new JsonException();
            }
            catch (JsonException)
            {
                return Results.Problem("The body must be {\"input\": \"<trigger value as a string>\"}.", statusCode: StatusCodes.Status400BadRequest);
            }

            var invocation = Invocations.Create(function);
            invocation.InputData.Add(new ParameterBinding { Name = function.Trigger.Name, Data = new TypedData { String = input } });
            var running = inFlight.Enter();
            _ = Task.Run(async () =>
            {
                using (running)
                {
                    try
                    {
                        var response = await channel.InvokeAsync(invocation, CancellationToken.None);
                        var status = response.Result?.Status ?? StatusResult.Types.Status.Failure;
                        var error = status == StatusResult.Types.Status.Success ? string.Empty : WorkerLog.Describe(response.Result?.Exception);
                        LogAdminInvocation(logger, name, invocation.InvocationId, status, error);
                    }
                    catch (WorkerUnavailableException e)
                    {
                        LogAdminInvocation(logger, name, invocation.InvocationId, StatusResult.Types.Status.Failure, e.Message);
                    }
                }
            });
            return Results.Accepted(value: new { invocationId = invocation.InvocationId });
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin invocation of {FunctionName} ({InvocationId}): {Status} {Error}")]
    private static partial void LogAdminInvocation(ILogger logger, string functionName, string invocationId, StatusResult.Types.Status status, string error);
}
