using AgentFunctions.Errors;
using AgentFunctions.Observability;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Middleware;

/// <summary>
/// Resolve → validate → authorize, then the function runs with its <see cref="OrgContext"/> → audit; the invocation's usage
/// and audit rows are held (<see cref="IDeferredWrites"/>) until the HTTP answer is complete and written before the
/// invocation ends, so the caller does not wait for them.
/// HTTP: the org comes from <c>X-Org-Id</c>, else from the caller's credential when it names exactly one org, else the
/// default org. Queue: from the message's
/// <c>orgId</c>; a message without a valid org is never processed as any org — it is logged and
/// moved to the poison queue.
/// </summary>
internal sealed partial class OrgContextMiddleware(
    FunctionCatalog catalog,
    IOptions<TenancyOptions> tenancy,
    IOrgAccessPolicy policy,
    IOrgAccessAuditor auditor,
    IDeadLetters deadLetters,
    IEnumerable<IDeferredWrites> deferredWrites,
    ILogger<OrgContextMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public const string OrgHeader = "X-Org-Id";

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var traits = catalog.Get(context);
        if (!traits.RequiresOrg)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var http = context.GetHttpContext();
        var kind = http is null ? InvocationKind.Queue : InvocationKind.Http;
        OrgId orgId;
        if (http is not null)
        {
            var header = http.Request.Headers[OrgHeader].ToString();
            orgId = tenancy.Value.MultitenancyEnabled && header.Length == 0
                && await policy.FindCredentialOrgAsync(http, context.CancellationToken).ConfigureAwait(false) is { } named
                ? named
                : ResolveHttpOrg(header);
        }
        else
        {
            var message = await ReadTriggerMessageAsync(context).ConfigureAwait(false);
            if (!QueueMessageOrg.TryRead(message, out orgId) || !IsAllowedQueueOrg(orgId))
            {
                LogUnroutableMessage(logger, context.FunctionDefinition.Name, traits.QueueName);
                await deadLetters.MoveAsync(traits.QueueName!, message, context.CancellationToken).ConfigureAwait(false);
                return;
            }
        }

        using var telemetry = OrgTelemetry.Begin(logger, orgId);
        var scopes = Defer(orgId);
        var storageUnavailable = false;
        try
        {
            await AuthorizeAndRunAsync(context, next, http, kind, orgId).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStorageUnavailable(e, context.CancellationToken))
        {
            storageUnavailable = true;
            throw;
        }
        finally
        {
            scopes.ForEach(s => s.Dispose());
            if (storageUnavailable)
            {
                // Writing now would wait out the storage budget a second time before the 503 is sent: the background retry writes them.
                foreach (var area in deferredWrites)
                {
                    area.LeaveForRetry(orgId);
                }
            }
            else
            {
                await FlushAsync(orgId).ConfigureAwait(false);
            }
        }
    }

    private static bool IsStorageUnavailable(Exception failure, CancellationToken cancellationToken) =>
        failure is ApiException { Code: ErrorCodes.StorageUnavailable } || StorageFailures.IsUnavailable(failure, cancellationToken);

    private async Task AuthorizeAndRunAsync(FunctionContext context, FunctionExecutionDelegate next, HttpContext? http, InvocationKind kind, OrgId orgId)
    {
        var action = http is null ? "queue" : $"{http.Request.Method} {http.Request.Path}";
        OrgAccessGrant grant;
        try
        {
            grant = await policy.AuthorizeAsync(new OrgAccessRequest(context, kind, orgId, http), context.CancellationToken).ConfigureAwait(false);
        }
        catch (ApiException refused)
        {
            // OrgAccessDeniedException: the caller was identified. Anything else (401, issuer unavailable)
            // comes from an unknown caller, which is logged only and never touches tenant storage.
            var denied = refused as OrgAccessDeniedException;
            await auditor.RecordAsync(
                new OrgAccessRecord(orgId, denied?.Principal ?? AuditPrincipals.Unauthenticated, context.FunctionDefinition.Name, action, AccessOutcome.Denied, context.TraceId(), refused.Code)
                {
                    CallerIdentified = denied is not null,
                    FoldBy = denied?.Credential,
                },
                context.CancellationToken).ConfigureAwait(false);
            throw;
        }

        context.GetOrgContext().Set(orgId, grant.Principal);
        var outcome = AccessOutcome.Failed;
        try
        {
            await next(context).ConfigureAwait(false); // an HTTP answer is complete when this returns (ResponseCompletionMiddleware)
            outcome = http is null || http.Response.StatusCode < 400 ? AccessOutcome.Allowed : AccessOutcome.Denied;
        }
        finally
        {
            await auditor.RecordAsync(
                new OrgAccessRecord(orgId, grant.Principal, context.FunctionDefinition.Name, action, outcome, context.TraceId()),
                CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Holds the usage (the rate limiter's admission too) and audit writes of this invocation until its answer is complete (<see cref="IDeferredWrites"/>).</summary>
    private List<IDisposable> Defer(OrgId orgId)
    {
        var scopes = new List<IDisposable>();
        try
        {
            foreach (var area in deferredWrites)
            {
                scopes.Add(area.Defer(orgId));
            }
        }
        catch
        {
            scopes.ForEach(s => s.Dispose());
            throw;
        }

        return scopes;
    }

    /// <summary>
    /// Writes the invocation's held usage and audit rows (one transaction of the org's usage partition; areas with held writes of their own concurrently) before the invocation ends.
    /// A failure leaves them held for the background retry: the answer is already sent, and nothing is dropped.
    /// </summary>
    private async Task FlushAsync(OrgId orgId)
    {
        try
        {
            await Task.WhenAll(deferredWrites.Select(area => area.FlushAsync(orgId, CancellationToken.None))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogHeldWritesFailed(logger, e, orgId.Value);
        }
    }

    private OrgId ResolveHttpOrg(string header)
    {
        var options = tenancy.Value;
        if (!options.MultitenancyEnabled || header.Length == 0)
        {
            return options.DefaultOrg ?? throw ApiException.OrgIdRequired();
        }

        return OrgId.TryParse(header, out var orgId) ? orgId : throw ApiException.InvalidOrgId();
    }

    /// <summary>With multitenancy off only the default org exists, for queues as for HTTP.</summary>
    private bool IsAllowedQueueOrg(OrgId orgId) =>
        tenancy.Value.MultitenancyEnabled || orgId == tenancy.Value.DefaultOrg;

    private static async Task<string> ReadTriggerMessageAsync(FunctionContext context)
    {
        var trigger = context.FunctionDefinition.InputBindings.Values.First(b => b.Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
        var input = await context.BindInputAsync<string>(trigger).ConfigureAwait(false);
        return input.Value ?? string.Empty;
    }

    [LoggerMessage(EventId = 1055, Level = LogLevel.Warning, Message = "Held usage and audit writes of org {OrgId} could not be written at the end of the invocation; they stay held and are retried")]
    private static partial void LogHeldWritesFailed(ILogger logger, Exception exception, string orgId);

    [LoggerMessage(EventId = 1052, Level = LogLevel.Warning, Message = "Function {FunctionName} got a message without a valid orgId on queue {QueueName}; it was moved to the poison queue unprocessed")]
    private static partial void LogUnroutableMessage(ILogger logger, string functionName, string? queueName);
}
