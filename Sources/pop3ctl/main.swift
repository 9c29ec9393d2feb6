import Client

await Pop3ctlCommand.runFromCommandLine()
