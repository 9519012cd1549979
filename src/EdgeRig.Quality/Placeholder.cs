namespace EdgeRig.Quality;
