using AgentFunctions.Middleware;
using AgentFunctions.Orgs;
using AgentFunctions.Storage;
using Microsoft.Azure.Functions.Worker;

namespace AgentFunctions.Functions;

/// <summary>
/// Processes queued offboardings. <see cref="WithoutOrgAttribute"/>: the org in the message is the
/// deletion's target, not a context to act in, so the middleware does not (and must not) require it
/// to be active; the org id is validated here and an invalid message is set aside unprocessed.
/// </summary>
internal sealed class OrgDeletionFunctions(OrgOffboarding offboarding, IDeadLetters deadLetters)
{
    [Function(nameof(DeleteOrgData))]
    [WithoutOrg]
    public async Task DeleteOrgData([QueueTrigger(OrgOffboarding.QueueName)] string message, CancellationToken cancellationToken)
    {
        if (!OrgOffboarding.TryParseMessage(message, out var orgId, out var phase))
        {
            await deadLetters.MoveAsync(OrgOffboarding.QueueName, message, cancellationToken).ConfigureAwait(false);
            return;
        }

        await offboarding.RunAsync(orgId, phase, cancellationToken).ConfigureAwait(false);
    }
}
