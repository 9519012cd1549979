namespace EdgeRig.Privacy;
