using EdgeRig.Service;

return await EdgeRigHost.RunAsync(args);
