package com.github.nagyesta.lowkeyvault.model.common.backup;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.nagyesta.lowkeyvault.controller.common.util.CertificateRequestMapperUtil;
import com.github.nagyesta.lowkeyvault.model.json.util.Base64CertDeserializer;
import com.github.nagyesta.lowkeyvault.model.json.util.Base64CertSerializer;
import com.github.nagyesta.lowkeyvault.model.v7_2.common.BaseBackupListItem;
import com.github.nagyesta.lowkeyvault.model.v7_3.certificate.CertificatePolicyModel;
import com.github.nagyesta.lowkeyvault.model.v7_3.certificate.CertificatePropertiesModel;
import jakarta.validation.constraints.NotNull;
import lombok.Data;
import lombok.EqualsAndHashCode;
import lombok.ToString;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

@Data
@EqualsAndHashCode(callSuper = true)
@ToString(callSuper = true)
public class CertificateBackupListItem extends BaseBackupListItem<CertificatePropertiesModel> {
    @Nullable
    @JsonProperty("pwd")
    private String password;
    @Nullable
    @JsonProperty("keyVersion")
    private String keyVersion;
    @NotNull
    @JsonSerialize(using = Base64CertSerializer.class)
    @JsonDeserialize(using = Base64CertDeserializer.class)
    @JsonProperty("value")
    private byte[] certificate;
    @JsonProperty("policy")
    private CertificatePolicyModel policy;
    @Nullable
    @JsonProperty("issuancePolicy")
    private CertificatePolicyModel issuancePolicy;

    @JsonIgnore
    public String getCertificateAsString() {
        return CertificateRequestMapperUtil.getCertificateAsString(certificate);
    }
}
