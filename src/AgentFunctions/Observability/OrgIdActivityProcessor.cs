using System.Diagnostics;
using OpenTelemetry;

namespace AgentFunctions.Observability;

/// <summary>Copies <c>org.id</c> from the parent onto every new activity (model, storage and search calls).</summary>
internal sealed class OrgIdActivityProcessor : BaseProcessor<Activity>
{
    public override void OnStart(Activity data)
    {
        if (data.GetTagItem(OrgTelemetry.OrgIdTag) is null && OrgTelemetry.InheritedOrg(data) is { } org)
        {
            data.SetTag(OrgTelemetry.OrgIdTag, org);
        }
    }
}
