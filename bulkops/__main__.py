from bulkops.cli.main import main

main()
