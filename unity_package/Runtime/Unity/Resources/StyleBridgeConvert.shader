// Blits for StyleRunner (loaded with Resources.Load, so player builds include it). _UVTransform scales and offsets
// the texture coordinates: > 1 pads (edge texels repeat into the padding), < 1 crops. Pass 0 copies; pass 1 encodes
// linear light as sRGB values (Linear projects, before the model); pass 2 decodes sRGB values to linear light
// (Linear projects, after the model). Not compiled outside Unity: see Documentation~/index.md, "What was run".
Shader "Hidden/StyleBridge/Convert"
{
    Properties
    {
        _MainTex ("Texture", 2D) = "white" {}
    }
    SubShader
    {
        Cull Off ZWrite Off ZTest Always

        CGINCLUDE
        #include "UnityCG.cginc"

        sampler2D _MainTex;
        float4 _UVTransform;

        struct v2f
        {
            float4 pos : SV_POSITION;
            float2 uv : TEXCOORD0;
        };

        v2f vert(appdata_img v)
        {
            v2f o;
            o.pos = UnityObjectToClipPos(v.vertex);
            o.uv = v.texcoord * _UVTransform.xy + _UVTransform.zw;
            return o;
        }

        float4 fetch(float2 uv)
        {
            return tex2D(_MainTex, saturate(uv));
        }
        ENDCG

        Pass
        {
            CGPROGRAM
            #pragma vertex vert
            #pragma fragment frag
            float4 frag(v2f i) : SV_Target { return fetch(i.uv); }
            ENDCG
        }

        Pass
        {
            CGPROGRAM
            #pragma vertex vert
            #pragma fragment frag
            float4 frag(v2f i) : SV_Target
            {
                float4 c = fetch(i.uv);
                return float4(LinearToGammaSpace(c.rgb), c.a);
            }
            ENDCG
        }

        Pass
        {
            CGPROGRAM
            #pragma vertex vert
            #pragma fragment frag
            float4 frag(v2f i) : SV_Target
            {
                float4 c = fetch(i.uv);
                return float4(GammaToLinearSpace(c.rgb), c.a);
            }
            ENDCG
        }
    }
}
