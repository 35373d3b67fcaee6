// The resource-based policy of an Amazon Managed Service for Prometheus (AMP) workspace: compared by IAM meaning, created only where none exists, updated and deleted only at the revision Pulumi last wrote.
package ampresourcepolicy
