using System.Text.Json;
using AgentFunctions.Functions;
using AgentFunctions.Jobs;
using AgentFunctions.Serialization;
using AgentFunctions.Tenancy;

namespace AgentFunctions.Tests.Jobs;

public sealed class JobMessageTests
{
    [Fact]
    public void Serialize_Job_CarriesOrgAndJobIdOnly()
    {
        var message = StorageJobQueue.Serialize(OrgId.Parse("org-a"), "abc123");

        Assert.Equal("""{"orgId":"org-a","jobId":"abc123"}""", message);
    }

    [Theory]
    [InlineData("""{"orgId":"org-a","jobId":"abc123"}""", true)]
    [InlineData("""{"orgId":"org-a","jobId":"../x"}""", false)]
    [InlineData("""{"orgId":"org-a","jobId":"a b"}""", false)]
    [InlineData("""{"orgId":"org-a","jobId":""}""", false)]
    [InlineData("""{"orgId":"org-a","jobId":7}""", false)]
    [InlineData("""{"orgId":"org-a"}""", false)]
    [InlineData("""["abc"]""", false)]
    [InlineData("not json", false)]
    public void TryReadJobId_Message_AcceptsOnlyTheJobIdFormat(string message, bool valid)
    {
        Assert.Equal(valid, StorageJobQueue.TryReadJobId(message, out var jobId));
        Assert.Equal(valid ? "abc123" : string.Empty, jobId);
    }

    [Fact]
    public void ReadDelivery_TriggerMetadata_ReadsIdAndDequeueCount()
    {
        var delivery = JobFunctions.ReadDelivery(new Dictionary<string, object?> { ["Id"] = "\"m-1\"", ["DequeueCount"] = "3" });

        Assert.Equal(new JobDelivery("m-1", 3), delivery);
    }

    [Fact]
    public void ReadDelivery_NoMetadata_IsAFirstDeliveryWithoutId()
    {
        Assert.Equal(new JobDelivery(null, 1), JobFunctions.ReadDelivery(new Dictionary<string, object?>()));
    }

    [Theory]
    [InlineData(nameof(JobStatus.Queued), "\"queued\"")]
    [InlineData(nameof(JobStatus.Running), "\"running\"")]
    [InlineData(nameof(JobStatus.Succeeded), "\"succeeded\"")]
    [InlineData(nameof(JobStatus.Failed), "\"failed\"")]
    public void Serialize_Status_IsCamelCaseWithAnySerializerOptions(string statusName, string json)
    {
        var status = Enum.Parse<JobStatus>(statusName);

        Assert.Equal(json, JsonSerializer.Serialize(status));
        Assert.Equal(json, JsonSerializer.Serialize(status, ApiJson.Options));
    }
}
