using AgentFunctions.Administration;
using AgentFunctions.Agents;
using AgentFunctions.Audit;
using AgentFunctions.Auth;
using AgentFunctions.Conversations;
using AgentFunctions.DataStore;
using AgentFunctions.Jobs;
using AgentFunctions.Knowledge;
using AgentFunctions.Memory;
using AgentFunctions.Mcp;
using AgentFunctions.Middleware;
using AgentFunctions.Models;
using AgentFunctions.Observability;
using AgentFunctions.OpenAi;
using AgentFunctions.Orgs;
using AgentFunctions.Secrets;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Hosting;

/// <summary>The composition root: one call per folder, each in that folder's own namespace; any order works.</summary>
internal static class AgentFunctionsRegistration
{
    public static IServiceCollection AddAgentFunctions(this IServiceCollection services, IConfiguration configuration) =>
        services
            .AddTenancy()
            .AddStorage(configuration)
            .AddObservability(configuration)
            .AddSecrets()
            .AddModels()
            .AddConversations()
            .AddAgents()
            .AddOpenAi()
            .AddKnowledge(configuration)
            .AddDataStore()
            .AddJobs()
            .AddOrgs()
            .AddUsage()
            .AddAuth()
            .AddAudit()
            .AddAdministration()
            .AddMcp()
            .AddMemory()
            .AddMiddleware();
}
