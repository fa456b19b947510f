using BenchmarkDotNet.Running;
using Lifeboat.Benchmarks;
using Lifeboat.Benchmarks.Authentication;

// `sizes` and `backup` print plain tables (one pass each); anything else goes to BenchmarkDotNet, e.g.
//   dotnet run -c Release -- --filter '*RestorePointDisk*' --job short
return args.Length > 0 && args[0] == "sizes" ? await StoredBytesReport.RunAsync()
    : args.Length > 0 && args[0] == "backup" ? await BackupThroughputReport.RunAsync(args.Skip(1).ToArray())
    : args.Length > 0 && args[0] == "readcpu" ? await Lifeboat.Benchmarks.Transport.ReadCpuReport.RunAsync(args.Skip(1).ToArray())
    : args.Length > 0 && args[0] == "archivesizes" ? await Lifeboat.Benchmarks.FileRestore.ArchiveSizeReport.RunAsync()
    : args.Length > 0 && args[0] == "auth" ? await AuthenticationCostReport.RunAsync(args.Skip(1).ToArray())
    : RunBenchmarks(args);

static int RunBenchmarks(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(MixedDisk).Assembly).Run(args);
    return 0;
}
