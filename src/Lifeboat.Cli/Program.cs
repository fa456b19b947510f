using System.CommandLine;
using Lifeboat.Cli;
using Lifeboat.Cli.Commands;
using Lifeboat.Cli.Quickstart;

var root = new RootCommand("Lifeboat: VM backup with instant recovery from the backup.");
root.Options.Add(GlobalOptions.Json);
root.Subcommands.Add(RepoCommand.Create());
root.Subcommands.Add(BackupCommand.Create());
root.Subcommands.Add(RestorePointsCommand.Create());
root.Subcommands.Add(RestoreCommand.Create());
root.Subcommands.Add(VerifyCommand.Create());
root.Subcommands.Add(RetentionCommand.Create());
root.Subcommands.Add(MountServerCommand.Create());
root.Subcommands.Add(PublicationCommands.CreatePublish());
root.Subcommands.Add(PublicationCommands.CreateUnpublish());
root.Subcommands.Add(PublicationCommands.CreateList());
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(InstantRecoverCommand.Create());
root.Subcommands.Add(SessionsCommand.Create());
root.Subcommands.Add(SessionCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(StopCommand.Create());
root.Subcommands.Add(AttachDiskCommand.Create());
root.Subcommands.Add(DetachDiskCommand.Create());
root.Subcommands.Add(JobsCommand.Create());
root.Subcommands.Add(JobCommand.Create());
root.Subcommands.Add(DatastoreCommands.CreateList());
root.Subcommands.Add(DatastoreCommands.Create());
root.Subcommands.Add(HostCommands.CreateList());
root.Subcommands.Add(HostCommands.Create());
root.Subcommands.Add(UserCommand.Create());
root.Subcommands.Add(TokenCommand.Create());
root.Subcommands.Add(AuditCommand.Create());
root.Subcommands.Add(QuickstartCommand.Create());

// Without a termination timeout System.CommandLine leaves SIGTERM to the runtime, which ends the process at once;
// with it, SIGTERM cancels the verb's token so servers stop cleanly and flush their caches.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
