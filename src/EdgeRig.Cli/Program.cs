using EdgeRig.Cli;

return await EdgeRigCli.RunAsync(args);
