import ArgumentParser
Hens.main()
