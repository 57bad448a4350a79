using AgentFunctions.Hosting;
using AgentFunctions.Middleware;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();
builder.UseAgentFunctionsMiddleware();
builder.Services.AddAgentFunctions(builder.Configuration);

builder.Build().Run();
